<?php

namespace MediaWiki\Extension\Convene;

use MediaWiki\Config\ServiceOptions;
use MediaWiki\Http\HttpRequestFactory;
use Psr\Log\LoggerInterface;

/**
 * Calls the Convene service's widget endpoints, each call signed with the shared secret.
 *
 * The signature is HMAC-SHA256 over "v1", the timestamp, the method, the path, the canonical
 * query and the SHA-256 of the body, joined by newlines; its Python twin is
 * services/web/widget_signature.py. Change both together.
 */
class ServiceClient {
	public const CONSTRUCTOR_OPTIONS = [
		'ConveneServiceUrl',
		'ConveneSharedSecret',
		'ConveneTimeout',
	];

	public const SIGNATURE_HEADER = 'X-Convene-Signature';
	public const TIMESTAMP_HEADER = 'X-Convene-Timestamp';
	private const VERSION = 'v1';
	/** Answers larger than this are not read as JSON (the status of a long document is ~10 KB). */
	private const MAX_RESPONSE_BYTES = 2 * 1024 * 1024;

	/** @var ServiceOptions */
	private $options;
	/** @var HttpRequestFactory */
	private $http;
	/** @var LoggerInterface */
	private $logger;
	/** @var callable */
	private $clock;

	/**
	 * @param ServiceOptions $options
	 * @param HttpRequestFactory $http
	 * @param LoggerInterface $logger
	 * @param callable|null $clock Returns the current Unix time (tests pass their own)
	 */
	public function __construct( ServiceOptions $options, HttpRequestFactory $http,
		LoggerInterface $logger, ?callable $clock = null
	) {
		$options->assertRequiredOptions( self::CONSTRUCTOR_OPTIONS );
		$this->options = $options;
		$this->http = $http;
		$this->logger = $logger;
		$this->clock = $clock ?? 'time';
	}

	/**
	 * Whether the service URL and the shared secret are both set.
	 * @return bool
	 */
	public function isConfigured(): bool {
		return trim( (string)$this->options->get( 'ConveneServiceUrl' ) ) !== ''
			&& (string)$this->options->get( 'ConveneSharedSecret' ) !== '';
	}

	/**
	 * Send one comment made with the widget.
	 * @param array $comment document, document_revision, page, wiki_revid, unit, text, user,
	 *   language, item_id
	 * @return array The service's answer: [ 'comment' => [ 'id', 'consultation', 'unit', 'created' ] ]
	 * @throws ServiceError
	 */
	public function submitComment( array $comment ): array {
		return $this->call( 'POST', '/api/v1/widget/comments', [], $comment );
	}

	/**
	 * Tell the service that a talk page was saved, so it harvests the consultations watching it.
	 * @param string $title The page's title as this wiki writes it
	 * @param string $canonicalTitle The same with the canonical (English) namespace name
	 * @param int $revId The saved revision
	 * @return array [ 'title' => ..., 'harvests' => [ consultation ids ] ]
	 * @throws ServiceError
	 */
	public function notifyPageSaved( string $title, string $canonicalTitle, int $revId ): array {
		return $this->call( 'POST', '/api/v1/widget/page-saved', [], [
			'title' => $title,
			'canonical_title' => $canonicalTitle,
			'revid' => $revId,
		] );
	}

	/**
	 * Per-unit comment counts and triage-status mix of a document's consultation.
	 * @param string $document The document's slug
	 * @return array [ 'document', 'consultation' => ?[ 'id', 'title', 'open', 'closes_at' ],
	 *   'total', 'units' => [ key => [ 'count', 'statuses' => [ status => n ] ] ] ]
	 * @throws ServiceError
	 */
	public function status( string $document ): array {
		return $this->call( 'GET', '/api/v1/widget/status', [ 'document' => $document ], null );
	}

	/**
	 * The canonical form of a query: pairs sorted, each part encoded as RFC 3986.
	 * @param array $query
	 * @return string
	 */
	public static function canonicalQuery( array $query ): string {
		ksort( $query, SORT_STRING );
		$parts = [];
		foreach ( $query as $key => $value ) {
			$parts[] = rawurlencode( (string)$key ) . '=' . rawurlencode( (string)$value );
		}
		return implode( '&', $parts );
	}

	/**
	 * The value of the signature header for one call.
	 * @param string $secret
	 * @param string $method
	 * @param string $path The path under the service root, e.g. /api/v1/widget/status
	 * @param string $query The canonical query
	 * @param string $timestamp Unix seconds, as sent in the timestamp header
	 * @param string $body The exact body bytes ('' for none)
	 * @return string
	 */
	public static function signature( string $secret, string $method, string $path,
		string $query, string $timestamp, string $body
	): string {
		$toSign = implode( "\n", [
			self::VERSION, $timestamp, strtoupper( $method ), $path, $query, hash( 'sha256', $body ),
		] );
		return self::VERSION . '=' . hash_hmac( 'sha256', $toSign, $secret );
	}

	/**
	 * @param string $method
	 * @param string $path
	 * @param array $query
	 * @param array|null $payload Sent as JSON when not null
	 * @return array The decoded JSON answer
	 * @throws ServiceError
	 */
	private function call( string $method, string $path, array $query, ?array $payload ): array {
		if ( !$this->isConfigured() ) {
			throw new ServiceError( ServiceError::DISABLED,
				'the Convene service is not configured: set $wgConveneServiceUrl and ' .
				'$wgConveneSharedSecret' );
		}
		$canonical = self::canonicalQuery( $query );
		$url = rtrim( trim( $this->options->get( 'ConveneServiceUrl' ) ), '/' ) . $path .
			( $canonical === '' ? '' : '?' . $canonical );
		$body = $payload === null ? '' : json_encode( $payload, JSON_UNESCAPED_UNICODE );
		$timestamp = (string)(int)( $this->clock )();
		$timeout = (float)$this->options->get( 'ConveneTimeout' );
		$options = [
			'method' => $method,
			'timeout' => $timeout,
			'connectTimeout' => min( $timeout, 5 ),
			'followRedirects' => false,
		];
		if ( $payload !== null ) {
			$options['postData'] = $body;
		}
		$request = $this->http->create( $url, $options, __METHOD__ );
		$request->setHeader( 'Accept', 'application/json' );
		if ( $payload !== null ) {
			$request->setHeader( 'Content-Type', 'application/json' );
		}
		$request->setHeader( self::TIMESTAMP_HEADER, $timestamp );
		$request->setHeader( self::SIGNATURE_HEADER, self::signature(
			$this->options->get( 'ConveneSharedSecret' ), $method, $path, $canonical, $timestamp,
			$body
		) );

		$status = $request->execute();
		$code = $request->getStatus();
		$content = (string)$request->getContent();
		if ( $code === 0 || ( !$status->isOK() && $code < 400 ) ) {
			$kind = $status->hasMessage( 'http-timed-out' ) ? ServiceError::TIMEOUT
				: ServiceError::UNREACHABLE;
			$what = $kind === ServiceError::TIMEOUT
				? "no answer within {$timeout} s"
				: 'no connection could be made';
			$this->logger->warning( 'Convene service {method} {url}: {what}', [
				'method' => $method, 'url' => $url, 'what' => $what,
			] );
			throw new ServiceError( $kind, "$method $path: $what" );
		}
		$decoded = strlen( $content ) <= self::MAX_RESPONSE_BYTES
			? json_decode( $content, true ) : null;
		if ( $code >= 400 ) {
			$error = is_array( $decoded ) && is_array( $decoded['error'] ?? null )
				? $decoded['error'] : [];
			$message = is_string( $error['message'] ?? null ) ? $error['message']
				: "HTTP $code";
			$serviceCode = is_string( $error['code'] ?? null ) ? $error['code'] : '';
			$kind = $code >= 500 ? ServiceError::UNAVAILABLE : ServiceError::REJECTED;
			$this->logger->warning( 'Convene service {method} {url}: {code} {message}', [
				'method' => $method, 'url' => $url, 'code' => $code, 'message' => $message,
			] );
			throw new ServiceError( $kind, $message, $serviceCode, $code );
		}
		if ( !is_array( $decoded ) ) {
			throw new ServiceError( ServiceError::BAD_RESPONSE,
				"$method $path: the answer (HTTP $code) is not a JSON object", '', $code );
		}
		return $decoded;
	}
}
