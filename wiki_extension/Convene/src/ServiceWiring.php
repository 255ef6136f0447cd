<?php
/**
 * The Convene extension's services.
 */

use MediaWiki\Config\ServiceOptions;
use MediaWiki\Extension\Convene\ServiceClient;
use MediaWiki\Logger\LoggerFactory;
use MediaWiki\MediaWikiServices;

return [
	'Convene.ServiceClient' => static function ( MediaWikiServices $services ): ServiceClient {
		return new ServiceClient(
			new ServiceOptions( ServiceClient::CONSTRUCTOR_OPTIONS, $services->getMainConfig() ),
			$services->getHttpRequestFactory(),
			LoggerFactory::getInstance( 'Convene' )
		);
	},
];
