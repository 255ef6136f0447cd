<?php

namespace MediaWiki\Extension\Convene\Tests;

use ApiMain;
use ApiUsageException;
use DerivativeContext;
use FauxRequest;
use MediaWiki\Extension\Convene\Api\ApiConveneComment;
use MediaWiki\Extension\Convene\Api\ApiConveneStatus;
use MediaWiki\MediaWikiServices;
use PHPUnit\Framework\TestCase;
use RequestContext;
use Title;
use User;
use WANObjectCache;

require_once __DIR__ . '/ConveneTestSupport.php';

/**
 * The two API modules on the test wiki, with the service's answers scripted.
 *
 * @covers \MediaWiki\Extension\Convene\Api\ApiConveneComment
 * @covers \MediaWiki\Extension\Convene\Api\ApiConveneStatus
 * @covers \MediaWiki\Extension\Convene\Api\ServiceErrorResponse
 */
class ApiConveneTest extends TestCase {
	/** @var string */
	private static $page;
	/** @var int */
	private static $revId;
	/** @var string */
	private static $plainPage;
	/** @var WANObjectCache A real cache in memory, one for the test (the CLI has no APCu). */
	private $cache;

	protected function setUp(): void {
		$this->cache = new WANObjectCache( [ 'cache' => new \HashBagOStuff() ] );
	}

	public static function setUpBeforeClass(): void {
		self::$page = Support::uniqueTitle( 'Api' ) . '/ar';
		self::$revId = Support::edit( self::$page,
			Support::conveneWikitext( 'definition', 3, 'ar', 'rtl', 'convene-page' ) )->getId();
		self::$plainPage = Support::uniqueTitle( 'Api plain' );
		Support::edit( self::$plainPage, 'Plain text.' );
	}

	private function comment( array $params, FakeHttpRequestFactory $http, ?User $user = null ): array {
		$services = MediaWikiServices::getInstance();
		$main = $this->main( $params + [ 'action' => 'convenecomment', 'token' => 'checked-by-ApiMain' ], $user ?? User::newFromName( 'Alice' ) );
		$module = new ApiConveneComment( $main, 'convenecomment', Support::client( $http ),
			$services->getPageProps(), $services->getRevisionLookup(), $services->getGlobalIdGenerator(),
			$this->cache );
		$module->execute();
		return $main->getResult()->getResultData( null, [ 'Strip' => 'all' ] );
	}

	private function status( array $params, FakeHttpRequestFactory $http ): array {
		$main = $this->main( $params + [ 'action' => 'convenestatus' ], new User() );
		$module = new ApiConveneStatus( $main, 'convenestatus', Support::client( $http ),
			MediaWikiServices::getInstance()->getPageProps(), $this->cache );
		$module->execute();
		return $main->getResult()->getResultData( null, [ 'Strip' => 'all' ] );
	}

	private function main( array $params, User $user ): ApiMain {
		$context = new DerivativeContext( RequestContext::getMain() );
		$context->setRequest( new FauxRequest( $params, true ) );
		$context->setUser( $user );
		return new ApiMain( $context, true );
	}

	private function apiError( callable $call ): ApiUsageException {
		try {
			$call();
		} catch ( ApiUsageException $e ) {
			return $e;
		}
		$this->fail( 'no ApiUsageException thrown' );
	}

	private function errorCode( ApiUsageException $e ): string {
		return $e->getStatusValue()->getErrors()[0]['message']->getApiCode();
	}

	public function testTheModulesAreRegisteredWithTheirContract() {
		$main = new ApiMain( RequestContext::getMain() );
		$comment = $main->getModuleManager()->getModule( 'convenecomment' );
		$this->assertInstanceOf( ApiConveneComment::class, $comment );
		$this->assertTrue( $comment->mustBePosted() );
		$this->assertTrue( $comment->isWriteMode() );
		$this->assertSame( 'csrf', $comment->needsToken() );
		$status = $main->getModuleManager()->getModule( 'convenestatus' );
		$this->assertInstanceOf( ApiConveneStatus::class, $status );
		$this->assertFalse( $status->isWriteMode() );
		$this->assertTrue( $status->isReadMode() );
	}

	public function testACommentIsForwardedWithThePageDocumentLanguageAndUser() {
		$http = new FakeHttpRequestFactory(
			[ 201, '{"comment":{"id":"w-x","consultation":9,"unit":"p1","created":true}}' ] );
		$result = $this->comment( [ 'title' => self::$page, 'unit' => 'p1', 'text' => "  نص التعليق\n" ], $http );
		$this->assertSame( [ 'result' => 'success', 'id' => 'w-x', 'unit' => 'p1', 'consultation' => 9 ],
			$result['convenecomment'] );
		$sent = json_decode( $http->requests[0]->options['postData'], true );
		$this->assertSame( 'definition', $sent['document'] );
		$this->assertSame( 3, $sent['document_revision'] );
		$this->assertSame( Title::newFromText( self::$page )->getPrefixedText(), $sent['page'] );
		$this->assertSame( self::$revId, $sent['wiki_revid'] );
		$this->assertSame( 'نص التعليق', $sent['text'] );
		$this->assertSame( 'Alice', $sent['user'] );
		$this->assertSame( 'ar', $sent['language'], 'the language of the Convene page, not of the wiki' );
		$this->assertMatchesRegularExpression( '/^w-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/',
			$sent['item_id'] );
	}

	public function testAnonymousReadersCannotComment() {
		$http = new FakeHttpRequestFactory();
		$e = $this->apiError( function () use ( $http ) {
			$this->comment( [ 'title' => self::$page, 'unit' => 'p1', 'text' => 'Hi' ], $http, new User() );
		} );
		$this->assertSame( 'notloggedin', $this->errorCode( $e ) );
		$this->assertSame( [], $http->requests );
	}

	/**
	 * @dataProvider provideRefusedBeforeSending
	 */
	public function testBadRequestsAreRefusedWithoutCallingTheService( array $params, string $code ) {
		$http = new FakeHttpRequestFactory();
		$params += [ 'title' => self::$page, 'unit' => 'p1', 'text' => 'A comment.' ];
		if ( $params['title'] === 'PLAIN' ) {
			$params['title'] = self::$plainPage;
		}
		$e = $this->apiError( function () use ( $params, $http ) {
			$this->comment( $params, $http );
		} );
		$this->assertSame( $code, $this->errorCode( $e ) );
		$this->assertSame( [], $http->requests );
	}

	public static function provideRefusedBeforeSending() {
		return [
			'not a Convene page' => [ [ 'title' => 'PLAIN' ], 'convene-notconvenepage' ],
			'missing page' => [ [ 'title' => 'Convene PHPUnit/No such page' ], 'missingtitle' ],
			'bad unit key' => [ [ 'unit' => '<script>' ], 'convene-badunit' ],
			'empty text' => [ [ 'text' => " \n\t " ], 'convene-emptytext' ],
			'control character' => [ [ 'text' => "bell \x07 here" ], 'convene-control-characters' ],
			'too long' => [ [ 'text' => str_repeat( 'é', 5001 ) ], 'maxchars' ],
			'revision of another page' => [ [ 'revid' => 1 ], 'nosuchrevid' ],
		];
	}

	/**
	 * @dataProvider provideServiceFailures
	 */
	public function testServiceFailuresBecomeClearApiErrors( array $answer, string $code, string $inMessage ) {
		$e = $this->apiError( function () use ( $answer ) {
			$this->comment( [ 'title' => self::$page, 'unit' => 'p1', 'text' => 'Hello' ],
				new FakeHttpRequestFactory( $answer ) );
		} );
		$this->assertSame( $code, $this->errorCode( $e ) );
		$text = $e->getStatusValue()->getErrors()[0]['message']->inLanguage( 'en' )->plain();
		$this->assertStringContainsString( $inMessage, $text );
	}

	public static function provideServiceFailures() {
		return [
			'service down' => [ [ 0, '', 'http-curl-error' ], 'convene-unavailable', 'cannot be reached' ],
			'service slow' => [ [ 0, '', 'http-timed-out' ], 'convene-unavailable', 'no answer within 7 s' ],
			'consultation closed' => [
				[ 409, '{"error":{"code":"no_open_consultation","message":"document \'definition\' has no open consultation"}}' ],
				'convene-no-open-consultation', 'not being collected' ],
			'secrets differ' => [ [ 401, '{"error":{"code":"bad_signature","message":"the signature does not match"}}' ],
				'convene-bad-signature', 'shared secrets of the wiki and the service differ' ],
			'something else refused' => [ [ 400, '{"error":{"code":"weird","message":"odd input"}}' ],
				'convene-weird', 'odd input' ],
			'garbage' => [ [ 200, 'Hello' ], 'convene-badresponse', 'not a JSON object' ],
		];
	}

	public function testStatusPassesOnCountsAndDropsAnythingElse() {
		$answer = [
			'document' => 'definition',
			'consultation' => [ 'id' => 2, 'title' => 'Round 1', 'open' => true, 'closes_at' => null, 'secret' => 'x' ],
			'total' => 3,
			'units' => [
				'p1' => [ 'count' => 3, 'statuses' => [ 'new' => 2, 'accepted' => 1, 'bogus' => 4 ], 'authors' => [ 'Alice' ] ],
				'bad key!' => [ 'count' => 1, 'statuses' => [ 'new' => 1 ] ],
			],
		];
		$http = new FakeHttpRequestFactory( [ 200, json_encode( $answer ) ] );
		$result = $this->status( [ 'title' => self::$page ], $http )['convenestatus'];
		$this->assertSame( 'definition', $result['document'] );
		$this->assertSame( 3, $result['revision'] );
		$this->assertTrue( $result['open'] );
		$this->assertSame( [ 'id' => 2, 'title' => 'Round 1', 'closes' => null ], $result['consultation'] );
		$this->assertSame( [ 'p1' => [ 'count' => 3, 'statuses' => [ 'new' => 2, 'accepted' => 1 ] ] ], $result['units'] );
		$this->assertStringEndsWith( '/api/v1/widget/status?document=definition', $http->requests[0]->getFinalUrl() );
	}

	public function testStatusIsCachedBrieflyAndANewCommentRefreshesIt() {
		$first = [ 'document' => 'definition', 'total' => 1,
			'units' => [ 'p1' => [ 'count' => 1, 'statuses' => [ 'new' => 1 ] ] ] ];
		$second = [ 'document' => 'definition', 'total' => 2,
			'units' => [ 'p1' => [ 'count' => 2, 'statuses' => [ 'new' => 2 ] ] ] ];
		$http = new FakeHttpRequestFactory( [ 200, json_encode( $first ) ], [ 200, json_encode( $second ) ] );
		$this->assertSame( 1, $this->status( [ 'title' => self::$page ], $http )['convenestatus']['total'] );
		$this->assertSame( 1, $this->status( [ 'title' => self::$page ], $http )['convenestatus']['total'] );
		$this->assertCount( 1, $http->requests, 'the second view is served from the cache' );

		$this->comment( [ 'title' => self::$page, 'unit' => 'p1', 'text' => 'More.' ], new FakeHttpRequestFactory(
			[ 201, '{"comment":{"id":"w-y","consultation":9,"unit":"p1","created":true}}' ] ) );
		$this->assertSame( 2, $this->status( [ 'title' => self::$page ], $http )['convenestatus']['total'] );
		$this->assertCount( 2, $http->requests );
	}

	public function testAFailedStatusIsNotCached() {
		$ok = [ 'document' => 'definition', 'total' => 0, 'units' => [] ];
		$http = new FakeHttpRequestFactory( [ 0, '', 'http-curl-error' ], [ 200, json_encode( $ok ) ] );
		$e = $this->apiError( function () use ( $http ) {
			$this->status( [ 'title' => self::$page ], $http );
		} );
		$this->assertSame( 'convene-unavailable', $this->errorCode( $e ) );
		$this->assertSame( 0, $this->status( [ 'title' => self::$page ], $http )['convenestatus']['total'] );
	}

	public function testStatusOfAPageWithoutConveneContentIsRefused() {
		$http = new FakeHttpRequestFactory();
		$e = $this->apiError( function () use ( $http ) {
			$this->status( [ 'title' => self::$plainPage ], $http );
		} );
		$this->assertSame( 'convene-notconvenepage', $this->errorCode( $e ) );
		$this->assertSame( [], $http->requests );
	}
}
