<?php

namespace MediaWiki\Extension\Convene\Tests;

use DerivativeContext;
use FauxRequest;
use HashConfig;
use MediaWiki\Extension\Convene\Hooks;
use MediaWiki\Extension\Convene\NotifyServiceJob;
use MediaWiki\Extension\Convene\PageMarkers;
use MediaWiki\MediaWikiServices;
use OutputPage;
use ParserOutput;
use PHPUnit\Framework\TestCase;
use RequestContext;
use Title;
use WikitextContent;

require_once __DIR__ . '/ConveneTestSupport.php';

/**
 * Against the test wiki (the extension loaded, $wgConveneServiceUrl and secret set).
 *
 * @covers \MediaWiki\Extension\Convene\Hooks
 */
class HooksTest extends TestCase {
	public function testRenderingAConvenePageRecordsItsDocumentAsPageProperties() {
		$services = MediaWikiServices::getInstance();
		$title = Title::newFromText( Support::uniqueTitle( 'Render' ) );
		$output = $services->getContentRenderer()->getParserOutput(
			new WikitextContent( Support::conveneWikitext( 'definition', 4, 'ar', 'rtl', 'convene-page' ) ), $title );
		$this->assertSame( 'definition', $output->getPageProperty( PageMarkers::PROP_DOCUMENT ) );
		$this->assertSame( '4', $output->getPageProperty( PageMarkers::PROP_REVISION ) );
		$this->assertSame( 'ar', $output->getPageProperty( PageMarkers::PROP_LANGUAGE ) );
		// The unit anchors survive the parser's sanitizer as the widget expects them.
		$this->assertStringContainsString( 'data-convene-unit="p1"', $output->getRawText() );

		$plain = $services->getContentRenderer()->getParserOutput( new WikitextContent( 'Just text.' ), $title );
		$this->assertNull( $plain->getPageProperty( PageMarkers::PROP_DOCUMENT ) );
	}

	public function testSavingTheTalkPageOfAConvenePageQueuesOneNotification() {
		$services = MediaWikiServices::getInstance();
		$queue = $services->getJobQueueGroup()->get( NotifyServiceJob::TYPE );
		$this->drain( $queue );
		$title = Support::uniqueTitle( 'Talk hook' );
		Support::edit( $title, Support::conveneWikitext( 'plan', 1 ) );
		$this->assertSame( 'plan', $services->getPageProps()->getProperties(
			Title::newFromText( $title ), PageMarkers::PROP_DOCUMENT )[Title::newFromText( $title )->getArticleID()] );
		$this->assertSame( [], $this->drain( $queue ), 'saving the page itself notifies nobody' );

		Support::edit( "Talk:$title", "== Q ==\nA question. ~~~~" );
		Support::edit( "Talk:$title", "== Q ==\nA question, edited. ~~~~" );
		$jobs = $this->drain( $queue );
		$this->assertSame( [ [ 'page' => "Talk:$title", 'canonicalPage' => "Talk:$title" ] ],
			array_map( static function ( $job ) {
				return array_intersect_key( $job->getParams(), [ 'page' => 1, 'canonicalPage' => 1 ] );
			}, $jobs ), 'two saves while queued make one notification' );

		$other = Support::uniqueTitle( 'Plain' );
		Support::edit( $other, 'Not published by Convene.' );
		Support::edit( "Talk:$other", 'Talk about it.' );
		$this->assertSame( [], $this->drain( $queue ), 'the talk page of another page notifies nobody' );
	}

	public function testTheWidgetIsAddedToViewsOfConvenePagesOnly() {
		$title = Title::newFromText( Support::uniqueTitle( 'View' ) );
		$convene = new ParserOutput();
		$convene->setPageProperty( PageMarkers::PROP_DOCUMENT, 'definition' );
		$convene->setPageProperty( PageMarkers::PROP_REVISION, '2' );

		$view = $this->output( $title, [] );
		$view->addParserOutputMetadata( $convene );
		$this->assertContains( Hooks::WIDGET_MODULE, $view->getModules() );
		$vars = $view->getJsConfigVars();
		$this->assertSame( 'definition', $vars['wgConveneDocument'] );
		$this->assertSame( 2, $vars['wgConveneRevision'] );
		$this->assertSame( 5000, $vars['wgConveneMaxChars'] );

		$plain = $this->output( $title, [] );
		$plain->addParserOutputMetadata( new ParserOutput() );
		$this->assertNotContains( Hooks::WIDGET_MODULE, $plain->getModules() );

		$preview = $this->output( $title, [ 'action' => 'submit' ] );
		$preview->addParserOutputMetadata( $convene );
		$this->assertNotContains( Hooks::WIDGET_MODULE, $preview->getModules() );

		$services = MediaWikiServices::getInstance();
		$unconfigured = new Hooks( new HashConfig( [ 'ConveneServiceUrl' => '', 'ConveneSharedSecret' => '' ] ),
			$services->getNamespaceInfo(), $services->getPageProps(), $services->getJobQueueGroup() );
		$off = $this->output( $title, [] );
		$unconfigured->onOutputPageParserOutput( $off, $convene );
		$this->assertNotContains( Hooks::WIDGET_MODULE, $off->getModules() );
	}

	private function output( Title $title, array $query ): OutputPage {
		$context = new DerivativeContext( RequestContext::getMain() );
		$context->setRequest( new FauxRequest( $query ) );
		$context->setTitle( $title );
		return new OutputPage( $context );
	}

	/**
	 * Take every waiting job of the queue out (acknowledged), so tests start from empty.
	 * @param \JobQueue $queue
	 * @return \Job[]
	 */
	private function drain( $queue ): array {
		$jobs = [];
		while ( ( $job = $queue->pop() ) !== false ) {
			$queue->ack( $job );
			$jobs[] = $job;
		}
		return $jobs;
	}
}
