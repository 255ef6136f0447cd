<?php

namespace MediaWiki\Extension\Convene;

use RuntimeException;

/**
 * A call to the Convene service that did not succeed, with the kind of failure.
 */
class ServiceError extends RuntimeException {
	/** $wgConveneServiceUrl or $wgConveneSharedSecret is not set. */
	public const DISABLED = 'disabled';
	/** No connection could be made (refused, unknown host, TLS). */
	public const UNREACHABLE = 'unreachable';
	/** No answer within $wgConveneTimeout seconds. */
	public const TIMEOUT = 'timeout';
	/** The service answered 5xx (down, overloaded, disabled there). */
	public const UNAVAILABLE = 'unavailable';
	/** The service refused the request (4xx) and said why. */
	public const REJECTED = 'rejected';
	/** The service answered something that is not the expected JSON. */
	public const BAD_RESPONSE = 'bad-response';

	/** @var string */
	private $kind;
	/** @var string */
	private $serviceCode;
	/** @var int */
	private $httpStatus;

	/**
	 * @param string $kind One of the class constants
	 * @param string $message What went wrong, for logs and API error messages
	 * @param string $serviceCode The service's own error code (for REJECTED), else ''
	 * @param int $httpStatus The HTTP status of the answer, 0 if there was none
	 */
	public function __construct( string $kind, string $message, string $serviceCode = '',
		int $httpStatus = 0
	) {
		parent::__construct( $message );
		$this->kind = $kind;
		$this->serviceCode = $serviceCode;
		$this->httpStatus = $httpStatus;
	}

	public function getKind(): string {
		return $this->kind;
	}

	public function getServiceCode(): string {
		return $this->serviceCode;
	}

	public function getHttpStatus(): int {
		return $this->httpStatus;
	}

	/**
	 * Whether trying again later may succeed (the service was down or slow, not refusing).
	 * @return bool
	 */
	public function isTransient(): bool {
		return in_array( $this->kind, [ self::UNREACHABLE, self::TIMEOUT, self::UNAVAILABLE ], true );
	}
}
