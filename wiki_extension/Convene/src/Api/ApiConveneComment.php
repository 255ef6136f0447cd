<?php

namespace MediaWiki\Extension\Convene\Api;

use ApiBase;
use ApiMain;
use MediaWiki\Extension\Convene\PageMarkers;
use MediaWiki\Extension\Convene\ServiceClient;
use MediaWiki\Extension\Convene\ServiceError;
use MediaWiki\Revision\RevisionLookup;
use PageProps;
use Title;
use WANObjectCache;
use Wikimedia\ParamValidator\ParamValidator;
use Wikimedia\ParamValidator\TypeDef\StringDef;
use Wikimedia\UUID\GlobalIdGenerator;

/**
 * action=convenecomment: a logged-in reader's comment on one unit of a Convene page,
 * forwarded to the Convene service (which takes it into the open consultation).
 */
class ApiConveneComment extends ApiBase {
	use ConvenePageLookup;
	use ServiceErrorResponse;

	/** The service's limit too (services/feedback/intake.py MAX_TEXT_CHARS). */
	public const MAX_TEXT_CHARS = 5000;
	public const RATE_LIMIT_ACTION = 'convenecomment';

	/** @var ServiceClient */
	private $client;
	/** @var PageProps */
	private $pageProps;
	/** @var RevisionLookup */
	private $revisionLookup;
	/** @var GlobalIdGenerator */
	private $idGenerator;
	/** @var WANObjectCache */
	private $cache;

	/**
	 * @param ApiMain $main
	 * @param string $moduleName
	 * @param ServiceClient $client
	 * @param PageProps $pageProps
	 * @param RevisionLookup $revisionLookup
	 * @param GlobalIdGenerator $idGenerator
	 * @param WANObjectCache $cache
	 */
	public function __construct( ApiMain $main, $moduleName, ServiceClient $client,
		PageProps $pageProps, RevisionLookup $revisionLookup, GlobalIdGenerator $idGenerator,
		WANObjectCache $cache
	) {
		parent::__construct( $main, $moduleName );
		$this->client = $client;
		$this->pageProps = $pageProps;
		$this->revisionLookup = $revisionLookup;
		$this->idGenerator = $idGenerator;
		$this->cache = $cache;
	}

	/** @inheritDoc */
	public function execute() {
		$user = $this->getUser();
		if ( !$user->isRegistered() ) {
			$this->dieWithError( 'apierror-mustbeloggedin-generic', 'notloggedin' );
		}
		$block = $user->getBlock();
		if ( $block ) {
			$this->dieBlocked( $block );
		}
		$this->checkUserRightsAny( 'edit' );
		$params = $this->extractRequestParams();

		[ $title, $props ] = $this->requireConvenePage( $params['title'] );
		if ( !PageMarkers::isUnitKey( $params['unit'] ) ) {
			$this->dieWithError( [ 'apierror-convene-badunit', wfEscapeWikiText( $params['unit'] ) ],
				'convene-badunit' );
		}
		// The API replaces control characters before we see the text (with a warning only);
		// a comment that carried them is refused rather than sent on altered.
		$raw = (string)$this->getRequest()->getRawVal( 'text' );
		if ( preg_match( '/[\x00-\x08\x0B\x0C\x0E-\x1F\x7F]/', $raw, $m, PREG_OFFSET_CAPTURE ) ) {
			$this->dieWithError( [ 'apierror-convene-controlcharacters',
				sprintf( 'U+%04X, byte %d', ord( $m[0][0] ), $m[0][1] + 1 ) ], 'convene-control-characters' );
		}
		$text = trim( $params['text'] );
		if ( $text === '' ) {
			$this->dieWithError( 'apierror-convene-emptytext', 'convene-emptytext' );
		}
		$revId = $this->revisionSeen( $title, $params['revid'] );
		// Counted only for comments that are going out: a refused one costs nothing.
		if ( $user->pingLimiter( self::RATE_LIMIT_ACTION ) ) {
			$this->dieWithError( 'apierror-ratelimited' );
		}

		try {
			$answer = $this->client->submitComment( [
				'document' => (string)$props[PageMarkers::PROP_DOCUMENT],
				'document_revision' => (int)( $props[PageMarkers::PROP_REVISION] ?? 0 ) ?: null,
				'page' => $title->getPrefixedText(),
				'wiki_revid' => $revId,
				'unit' => $params['unit'],
				'text' => $text,
				'user' => $user->getName(),
				'language' => $props[PageMarkers::PROP_LANGUAGE]
					?? $title->getPageLanguage()->getCode(),
				'item_id' => 'w-' . $this->idGenerator->newUUIDv4(),
			] );
		} catch ( ServiceError $e ) {
			$this->dieWithServiceError( $e );
		}
		// The writer sees their comment counted at once, not when the cached status expires.
		$this->cache->delete( ApiConveneStatus::cacheKey( $this->cache,
			(string)$props[PageMarkers::PROP_DOCUMENT] ) );
		$comment = $answer['comment'] ?? [];
		$this->getResult()->addValue( null, $this->getModuleName(), [
			'result' => 'success',
			'id' => (string)( $comment['id'] ?? '' ),
			'unit' => $params['unit'],
			'consultation' => (int)( $comment['consultation'] ?? 0 ),
		] );
	}

	/**
	 * The revision the reader commented on: the one given if it is of this page, else the latest.
	 * @param Title $title
	 * @param int|null $revId
	 * @return int
	 */
	private function revisionSeen( Title $title, ?int $revId ): int {
		if ( $revId === null ) {
			return $title->getLatestRevID();
		}
		$revision = $this->revisionLookup->getRevisionById( $revId );
		if ( !$revision || $revision->getPageId() !== $title->getArticleID() ) {
			$this->dieWithError( [ 'apierror-nosuchrevid', $revId ] );
		}
		return $revId;
	}

	/** @inheritDoc */
	public function mustBePosted() {
		return true;
	}

	/** @inheritDoc */
	public function isWriteMode() {
		return true;
	}

	/** @inheritDoc */
	public function needsToken() {
		return 'csrf';
	}

	/** @inheritDoc */
	public function getAllowedParams() {
		return [
			'title' => [
				ParamValidator::PARAM_TYPE => 'string',
				ParamValidator::PARAM_REQUIRED => true,
			],
			'unit' => [
				ParamValidator::PARAM_TYPE => 'string',
				ParamValidator::PARAM_REQUIRED => true,
			],
			'text' => [
				ParamValidator::PARAM_TYPE => 'text',
				ParamValidator::PARAM_REQUIRED => true,
				StringDef::PARAM_MAX_CHARS => self::MAX_TEXT_CHARS,
			],
			'revid' => [
				ParamValidator::PARAM_TYPE => 'integer',
			],
		];
	}

	/** @inheritDoc */
	protected function getExamplesMessages() {
		return [
			'action=convenecomment&title=Leadership&unit=k3x9&text=Please+add+an+example.&token=123ABC'
				=> 'apihelp-convenecomment-example-1',
		];
	}
}
