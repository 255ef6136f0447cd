<?php

namespace MediaWiki\Extension\Convene\Tests;

use Job;
use MediaWiki\Extension\Convene\NotifyServiceJob;
use PHPUnit\Framework\TestCase;

require_once __DIR__ . '/ConveneTestSupport.php';

/**
 * @covers \MediaWiki\Extension\Convene\NotifyServiceJob
 */
class NotifyServiceJobTest extends TestCase {
	private const PARAMS = [ 'page' => 'Discussion:Plan', 'canonicalPage' => 'Talk:Plan' ];

	public function testTheJobIsRegisteredAndSendsBothTitles() {
		$this->assertInstanceOf( NotifyServiceJob::class, Job::factory( NotifyServiceJob::TYPE, self::PARAMS ) );
		$http = new FakeHttpRequestFactory( [ 202, '{"title":"Discussion:Plan","harvests":[3]}' ] );
		$job = new NotifyServiceJob( self::PARAMS, Support::client( $http ) );
		$this->assertTrue( $job->run() );
		$sent = json_decode( $http->requests[0]->options['postData'], true );
		$this->assertSame( 'Discussion:Plan', $sent['title'] );
		$this->assertSame( 'Talk:Plan', $sent['canonical_title'] );
		$this->assertStringEndsWith( '/api/v1/widget/page-saved', $http->requests[0]->getFinalUrl() );
	}

	public function testAnOutageFailsTheJobAndARefusalDoesNot() {
		$down = new NotifyServiceJob( self::PARAMS, Support::client( new FakeHttpRequestFactory( [ 0, '', 'http-curl-error' ] ) ) );
		$this->assertFalse( $down->run() );
		$this->assertStringContainsString( 'unreachable', $down->getLastError() );

		$refused = new NotifyServiceJob( self::PARAMS, Support::client( new FakeHttpRequestFactory(
			[ 401, '{"error":{"code":"bad_signature","message":"the signature does not match"}}' ] ) ) );
		$this->assertTrue( $refused->run() );
		$this->assertStringContainsString( 'signature does not match', $refused->getLastError() );
	}

	public function testWaitingDuplicatesAreDropped() {
		$a = NotifyServiceJob::newSpec( 'Talk:A', 'Talk:A' );
		$this->assertTrue( $a->ignoreDuplicates() );
		$this->assertSame( $a->getDeduplicationInfo(), NotifyServiceJob::newSpec( 'Talk:A', 'Talk:A' )->getDeduplicationInfo() );
		$this->assertNotSame( $a->getDeduplicationInfo(), NotifyServiceJob::newSpec( 'Talk:B', 'Talk:B' )->getDeduplicationInfo() );
	}
}
