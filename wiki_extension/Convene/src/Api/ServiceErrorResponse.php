<?php

namespace MediaWiki\Extension\Convene\Api;

use ApiUsageException;
use MediaWiki\Extension\Convene\ServiceError;

/**
 * Turns a failed call to the Convene service into an API error a reader can act on.
 */
trait ServiceErrorResponse {
	/**
	 * The service's refusal codes that have a message of their own (else: convene-rejected).
	 * Keys are the service's codes (services/feedback/intake.py Refusal), values message keys.
	 */
	private static $refusalMessages = [
		'too_long' => 'apierror-convene-toolong',
		'empty' => 'apierror-convene-emptytext',
		'control_characters' => 'apierror-convene-controlcharacters',
		'unknown_unit' => 'apierror-convene-unknownunit',
		'unknown_document' => 'apierror-convene-unknowndocument',
		'no_open_consultation' => 'apierror-convene-closed',
		'bad_signature' => 'apierror-convene-misconfigured',
	];

	/**
	 * @param ServiceError $error
	 * @throws ApiUsageException always
	 * @return never
	 */
	private function dieWithServiceError( ServiceError $error ) {
		$detail = wfEscapeWikiText( $error->getMessage() );
		switch ( $error->getKind() ) {
			case ServiceError::DISABLED:
				$this->dieWithError( 'apierror-convene-disabled', 'convene-disabled' );
			case ServiceError::REJECTED:
				$code = $error->getServiceCode();
				$key = self::$refusalMessages[$code] ?? 'apierror-convene-rejected';
				$this->dieWithError( [ $key, $detail ],
					'convene-' . ( $code === '' ? 'rejected' : str_replace( '_', '-', $code ) ),
					[ 'service' => [ 'code' => $code, 'status' => $error->getHttpStatus() ] ] );
			case ServiceError::BAD_RESPONSE:
				$this->dieWithError( [ 'apierror-convene-badresponse', $detail ],
					'convene-badresponse' );
			default:
				$this->dieWithError( [ 'apierror-convene-unavailable', $detail ],
					'convene-unavailable', [ 'reason' => $error->getKind() ] );
		}
	}
}
