<?php

namespace MediaWiki\Extension\Convene\Tests;

use MediaWiki\Extension\Convene\ServiceClient;
use MediaWiki\Extension\Convene\ServiceError;
use PHPUnit\Framework\TestCase;

require_once __DIR__ . '/ConveneTestSupport.php';

/**
 * @covers \MediaWiki\Extension\Convene\ServiceClient
 * @covers \MediaWiki\Extension\Convene\ServiceError
 */
class ServiceClientTest extends TestCase {
	public function testTheSignatureMatchesThePythonImplementation() {
		// Test vectors printed by services/web/widget_signature.py sign(); the pytest integration
		// tests check the live round trip as well.
		$this->assertSame( 'v1=a629211b3e1a256c439ac69f5694397d196a5744a1c4553603cc7889f2ff537e',
			ServiceClient::signature( 'k', 'post', '/api/v1/widget/comments', '', '1767268800', '{"a":"é"}' ) );
		$this->assertSame( 'v1=850c10fe9591207b411a773e7f6e8eacb7d6b218bf98e1e66c8aa196827cb19f',
			ServiceClient::signature( 'k', 'GET', '/api/v1/widget/status', 'document=a%20b', '1767268800', '' ) );
		$this->assertSame( 'a=x%20y%2F%C3%A9~&b=2',
			ServiceClient::canonicalQuery( [ 'b' => '2', 'a' => 'x y/é~' ] ) );
	}

	public function testACommentIsPostedAsSignedJsonWithTheConfiguredTimeout() {
		$http = new FakeHttpRequestFactory( [ 201, '{"comment":{"id":"w-1","consultation":4,"unit":"p1","created":true}}' ] );
		$answer = Support::client( $http )->submitComment( [ 'document' => 'd', 'text' => 'Ça va' ] );
		$this->assertSame( 4, $answer['comment']['consultation'] );
		$this->assertCount( 1, $http->requests );
		$request = $http->requests[0];
		$this->assertSame( 'http://convene.test/api/v1/widget/comments', $request->getFinalUrl() );
		$this->assertSame( 'POST', $request->options['method'] );
		$this->assertEquals( 7, $request->options['timeout'] );
		$this->assertFalse( $request->options['followRedirects'] );
		$body = $request->options['postData'];
		$this->assertSame( [ 'document' => 'd', 'text' => 'Ça va' ], json_decode( $body, true ) );
		$headers = $request->getHeaders();
		$this->assertSame( 'application/json', $headers['Content-Type'] );
		$this->assertSame( (string)Support::NOW, $headers[ServiceClient::TIMESTAMP_HEADER] );
		$this->assertSame(
			ServiceClient::signature( Support::SECRET, 'POST', '/api/v1/widget/comments', '',
				(string)Support::NOW, $body ),
			$headers[ServiceClient::SIGNATURE_HEADER]
		);
	}

	public function testTheStatusQueryIsSignedToo() {
		$http = new FakeHttpRequestFactory( [ 200, '{"document":"a b","units":{}}' ] );
		Support::client( $http )->status( 'a b' );
		$request = $http->requests[0];
		$this->assertSame( 'http://convene.test/api/v1/widget/status?document=a%20b', $request->getFinalUrl() );
		$this->assertSame( 'GET', $request->options['method'] );
		$this->assertArrayNotHasKey( 'postData', $request->options );
		$this->assertSame(
			ServiceClient::signature( Support::SECRET, 'GET', '/api/v1/widget/status', 'document=a%20b',
				(string)Support::NOW, '' ),
			$request->getHeaders()[ServiceClient::SIGNATURE_HEADER]
		);
	}

	/**
	 * @dataProvider provideFailures
	 */
	public function testEachFailureIsATypedError( array $answer, string $kind, string $code,
		int $status, string $message, bool $transient
	) {
		$http = new FakeHttpRequestFactory( $answer );
		try {
			Support::client( $http )->notifyPageSaved( 'Talk:X', 'Talk:X', 5 );
			$this->fail( 'no ServiceError thrown' );
		} catch ( ServiceError $e ) {
			$this->assertSame( $kind, $e->getKind() );
			$this->assertSame( $code, $e->getServiceCode() );
			$this->assertSame( $status, $e->getHttpStatus() );
			$this->assertStringContainsString( $message, $e->getMessage() );
			$this->assertSame( $transient, $e->isTransient() );
		}
	}

	public static function provideFailures() {
		return [
			'connection refused' => [ [ 0, '', 'http-curl-error' ], ServiceError::UNREACHABLE, '', 0,
				'no connection', true ],
			'timeout' => [ [ 0, '', 'http-timed-out' ], ServiceError::TIMEOUT, '', 0, 'within 7 s', true ],
			'disabled on the service' => [
				[ 503, '{"error":{"code":"widget_disabled","message":"the wiki widget is disabled"}}' ],
				ServiceError::UNAVAILABLE, 'widget_disabled', 503, 'widget is disabled', true ],
			'server error without JSON' => [ [ 502, '<html>Bad gateway</html>' ], ServiceError::UNAVAILABLE,
				'', 502, 'HTTP 502', true ],
			'refused' => [ [ 409, '{"error":{"code":"no_open_consultation","message":"no open consultation"}}' ],
				ServiceError::REJECTED, 'no_open_consultation', 409, 'no open consultation', false ],
			'not JSON' => [ [ 200, 'OK' ], ServiceError::BAD_RESPONSE, '', 200, 'not a JSON object', false ],
		];
	}

	public function testWithoutUrlOrSecretNothingIsSent() {
		foreach ( [ [ 'ConveneServiceUrl' => '' ], [ 'ConveneSharedSecret' => '' ] ] as $settings ) {
			$http = new FakeHttpRequestFactory();
			$client = Support::client( $http, $settings );
			$this->assertFalse( $client->isConfigured() );
			try {
				$client->status( 'd' );
				$this->fail( 'no ServiceError thrown' );
			} catch ( ServiceError $e ) {
				$this->assertSame( ServiceError::DISABLED, $e->getKind() );
				$this->assertStringContainsString( '$wgConveneSharedSecret', $e->getMessage() );
			}
			$this->assertSame( [], $http->requests );
		}
	}
}
