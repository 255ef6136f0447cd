<?php

namespace MediaWiki\Extension\Convene\Tests;

use CommentStoreComment;
use DeferredUpdates;
use HashConfig;
use MediaWiki\Config\ServiceOptions;
use MediaWiki\Extension\Convene\ServiceClient;
use MediaWiki\Http\HttpRequestFactory;
use MediaWiki\MediaWikiServices;
use MediaWiki\Revision\RevisionRecord;
use MediaWiki\Revision\SlotRecord;
use MWHttpRequest;
use Psr\Log\NullLogger;
use Status;
use Title;
use User;
use WikitextContent;

/**
 * An HTTP request that never leaves the process: it answers what the test scripted.
 */
class FakeHttpRequest extends MWHttpRequest {
	/** @var array */
	public $options;
	/** @var array [ int $code, string $body, ?string $errorMessageKey ] */
	private $answer;

	public function __construct( string $url, array $options, array $answer ) {
		parent::__construct( $url, $options + [ 'timeout' => 1, 'connectTimeout' => 1 ] );
		$this->options = $options;
		$this->answer = $answer;
	}

	public function execute() {
		[ $code, $body, $error ] = $this->answer + [ 0, '', null ];
		$this->content = $body;
		if ( $code === 0 ) {
			$this->status->fatal( $error ?? 'http-request-error' );
		} elseif ( $code >= 400 ) {
			$this->status->fatal( 'http-bad-status', $code, 'Error' );
		}
		return Status::wrap( $this->status );
	}

	public function getStatus() {
		return $this->answer[0];
	}

	public function getContent() {
		return $this->content;
	}

	public function getHeaders(): array {
		return $this->reqHeaders;
	}
}

/**
 * Hands out FakeHttpRequests with scripted answers and remembers every request made.
 */
class FakeHttpRequestFactory extends HttpRequestFactory {
	/** @var FakeHttpRequest[] */
	public $requests = [];
	/** @var array[] */
	private $answers;

	/**
	 * @param array ...$answers One [ code, body, error message key ] per expected request
	 */
	public function __construct( array ...$answers ) {
		parent::__construct( new ServiceOptions( HttpRequestFactory::CONSTRUCTOR_OPTIONS, [
			'HTTPTimeout' => 25, 'HTTPConnectTimeout' => 5, 'HTTPMaxTimeout' => 0,
			'HTTPMaxConnectTimeout' => 0, 'LocalVirtualHosts' => [], 'LocalHTTPProxy' => false,
		] ), new NullLogger() );
		$this->answers = $answers;
	}

	public function create( $url, array $options = [], $caller = __METHOD__ ) {
		$answer = array_shift( $this->answers ) ?? [ 500, '{"error":{"code":"unexpected","message":"no answer scripted"}}' ];
		$request = new FakeHttpRequest( $url, $options, $answer );
		$this->requests[] = $request;
		return $request;
	}
}

/**
 * Shared helpers: clients on fake HTTP, real edits on the test wiki.
 */
class Support {
	public const SECRET = 'phpunit-shared-secret';
	public const NOW = 1767268800;

	public static function client( FakeHttpRequestFactory $http, array $settings = [] ): ServiceClient {
		$config = new HashConfig( $settings + [
			'ConveneServiceUrl' => 'http://convene.test/',
			'ConveneSharedSecret' => self::SECRET,
			'ConveneTimeout' => 7,
		] );
		return new ServiceClient(
			new ServiceOptions( ServiceClient::CONSTRUCTOR_OPTIONS, $config ),
			$http, new NullLogger(), static function () {
				return self::NOW;
			}
		);
	}

	/** The wikitext Convene publishes (services/documents/render.py), reduced to its frame. */
	public static function conveneWikitext( string $slug, int $revision, string $lang = 'en',
		string $dir = 'ltr', string $class = 'convene-document'
	): string {
		return "<div class=\"convene-header\" data-convene-document=\"$slug\" " .
			"data-convene-revision=\"$revision\">Revision $revision</div>\n" .
			"<div class=\"$class\" lang=\"$lang\" dir=\"$dir\">\n\n" .
			"== <span class=\"convene-unit\" id=\"convene-h1\" data-convene-unit=\"h1\">Purpose</span> ==\n\n" .
			"<span class=\"convene-unit\" id=\"convene-p1\" data-convene-unit=\"p1\">Leaders listen.</span>\n\n</div>\n";
	}

	public static function edit( string $titleText, string $text, ?User $user = null ): RevisionRecord {
		$services = MediaWikiServices::getInstance();
		$user = $user ?? User::newSystemUser( 'Convene PHPUnit', [ 'steal' => true ] );
		$page = $services->getWikiPageFactory()->newFromTitle( Title::newFromText( $titleText ) );
		$updater = $page->newPageUpdater( $user );
		$updater->setContent( SlotRecord::MAIN, new WikitextContent( $text ) );
		$revision = $updater->saveRevision( CommentStoreComment::newUnsavedComment( 'Convene PHPUnit' ) );
		if ( !$revision ) {
			throw new \RuntimeException( "could not save $titleText: " . $updater->getStatus()->getWikiText() );
		}
		// Links updates (page properties) and lazily pushed jobs run here, as after a web request.
		DeferredUpdates::doUpdates();
		return $revision;
	}

	public static function uniqueTitle( string $name ): string {
		return 'Convene PHPUnit/' . $name . '/' . getmypid() . '-' . bin2hex( random_bytes( 3 ) );
	}
}
