<?php

namespace MediaWiki\Extension\Convene;

use GenericParameterJob;
use Job;
use JobSpecification;
use MediaWiki\MediaWikiServices;
use Title;

/**
 * Tells the Convene service that a talk page it may watch was saved (it then harvests it).
 *
 * Runs from the job queue, never during the save: a slow or absent service cannot slow
 * down or break an edit. Queued once per page while waiting, however many saves there are.
 */
class NotifyServiceJob extends Job implements GenericParameterJob {
	public const TYPE = 'conveneNotifyService';

	/** @var ServiceClient|null */
	private $client;

	/**
	 * @param array $params 'page' (the talk page's title as this wiki writes it) and
	 *   'canonicalPage' (the same with the canonical namespace name); not 'title', which
	 *   Job reserves for a title object of its own
	 * @param ServiceClient|null $client Null: the one from the service container
	 */
	public function __construct( array $params, ?ServiceClient $client = null ) {
		parent::__construct( self::TYPE, $params );
		$this->removeDuplicates = true;
		$this->client = $client;
	}

	/**
	 * The job for a saved talk page; duplicates of it waiting in the queue are dropped.
	 * @param string $title
	 * @param string $canonicalTitle
	 * @return JobSpecification
	 */
	public static function newSpec( string $title, string $canonicalTitle ): JobSpecification {
		return new JobSpecification( self::TYPE,
			[ 'page' => $title, 'canonicalPage' => $canonicalTitle ],
			[ 'removeDuplicates' => true ] );
	}

	/** @inheritDoc */
	public function run() {
		$client = $this->client ?? MediaWikiServices::getInstance()->getService( 'Convene.ServiceClient' );
		$title = Title::newFromText( $this->params['page'] );
		$revId = $title ? $title->getLatestRevID() : 0;
		try {
			$client->notifyPageSaved( $this->params['page'], $this->params['canonicalPage'], $revId );
		} catch ( ServiceError $e ) {
			$this->setLastError( "Convene service: {$e->getKind()}: {$e->getMessage()}" );
			// A refusal will not change on a retry; an outage may. The service's periodic
			// harvest picks the page up in any case.
			return !$e->isTransient();
		}
		return true;
	}
}
