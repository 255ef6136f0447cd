<?php

namespace MediaWiki\Extension\Convene\Api;

use ApiBase;
use ApiMain;
use ApiResult;
use MediaWiki\Extension\Convene\PageMarkers;
use MediaWiki\Extension\Convene\ServiceClient;
use MediaWiki\Extension\Convene\ServiceError;
use PageProps;
use Title;
use WANObjectCache;
use Wikimedia\ParamValidator\ParamValidator;

/**
 * action=convenestatus: per-unit feedback counts and triage-status mix of a Convene page,
 * read from the Convene service. Public numbers only: no author, no comment text.
 */
class ApiConveneStatus extends ApiBase {
	use ConvenePageLookup;
	use ServiceErrorResponse;

	/** Triage statuses the service knows (services/feedback/models.py TriageStatus). */
	private const STATUSES = [ 'new', 'in_review', 'accepted', 'partly_accepted', 'declined',
		'duplicate', 'out_of_scope', 'addressed' ];

	/** @var ServiceClient */
	private $client;
	/** Every reader's page view asks; the service is asked at most this often per document. */
	public const CACHE_SECONDS = 15;

	/** @var PageProps */
	private $pageProps;
	/** @var WANObjectCache */
	private $cache;

	/**
	 * @param ApiMain $main
	 * @param string $moduleName
	 * @param ServiceClient $client
	 * @param PageProps $pageProps
	 * @param WANObjectCache $cache
	 */
	public function __construct( ApiMain $main, $moduleName, ServiceClient $client,
		PageProps $pageProps, WANObjectCache $cache
	) {
		parent::__construct( $main, $moduleName );
		$this->client = $client;
		$this->pageProps = $pageProps;
		$this->cache = $cache;
	}

	/**
	 * The cache key of a document's status (a new comment deletes it).
	 * @param WANObjectCache $cache
	 * @param string $document
	 * @return string
	 */
	public static function cacheKey( WANObjectCache $cache, string $document ): string {
		return $cache->makeKey( 'convene-status', sha1( $document ) );
	}

	/** @inheritDoc */
	public function execute() {
		$params = $this->extractRequestParams();
		[ $title, $props ] = $this->requireConvenePage( $params['title'] );
		$document = (string)$props[PageMarkers::PROP_DOCUMENT];
		try {
			// A failure is thrown out of the callback, so it is never cached.
			$status = $this->cache->getWithSetCallback(
				self::cacheKey( $this->cache, $document ), self::CACHE_SECONDS,
				function () use ( $document ) {
					return $this->client->status( $document );
				}
			);
		} catch ( ServiceError $e ) {
			$this->dieWithServiceError( $e );
		}
		// Counts change slowly; a client asking with maxage/smaxage may cache them.
		$this->getMain()->setCacheMode( 'public' );
		$this->getResult()->addValue( null, $this->getModuleName(), [
			'document' => $document,
			'revision' => (int)( $props[PageMarkers::PROP_REVISION] ?? 0 ),
			'consultation' => $this->consultation( $status['consultation'] ?? null ),
			'open' => (bool)( $status['consultation']['open'] ?? false ),
			'total' => (int)( $status['total'] ?? 0 ),
			'units' => $this->units( $status['units'] ?? [] ),
		] );
	}

	/**
	 * @param mixed $consultation
	 * @return array|null
	 */
	private function consultation( $consultation ): ?array {
		if ( !is_array( $consultation ) ) {
			return null;
		}
		return [
			'id' => (int)( $consultation['id'] ?? 0 ),
			'title' => (string)( $consultation['title'] ?? '' ),
			'closes' => is_string( $consultation['closes_at'] ?? null ) ? $consultation['closes_at'] : null,
		];
	}

	/**
	 * Only well-formed keys, known statuses and whole numbers are passed on.
	 * @param mixed $units
	 * @return array
	 */
	private function units( $units ): array {
		$out = [ ApiResult::META_TYPE => 'assoc' ];
		if ( !is_array( $units ) ) {
			return $out;
		}
		foreach ( $units as $key => $unit ) {
			if ( !PageMarkers::isUnitKey( (string)$key ) || !is_array( $unit ) ) {
				continue;
			}
			$statuses = [ ApiResult::META_TYPE => 'assoc' ];
			foreach ( (array)( $unit['statuses'] ?? [] ) as $status => $count ) {
				if ( in_array( $status, self::STATUSES, true ) && is_int( $count ) && $count > 0 ) {
					$statuses[$status] = $count;
				}
			}
			$out[(string)$key] = [
				'count' => max( 0, (int)( $unit['count'] ?? 0 ) ),
				'statuses' => $statuses,
			];
		}
		return $out;
	}

	/** @inheritDoc */
	public function getAllowedParams() {
		return [
			'title' => [
				ParamValidator::PARAM_TYPE => 'string',
				ParamValidator::PARAM_REQUIRED => true,
			],
		];
	}

	/** @inheritDoc */
	protected function getExamplesMessages() {
		return [
			'action=convenestatus&title=Leadership' => 'apihelp-convenestatus-example-1',
		];
	}
}
