<?php

namespace MediaWiki\Extension\Convene;

use Config;
use JobQueueGroup;
use MediaWiki\Content\Hook\ContentAlterParserOutputHook;
use MediaWiki\Hook\OutputPageParserOutputHook;
use MediaWiki\Storage\Hook\PageSaveCompleteHook;
use NamespaceInfo;
use PageProps;
use Title;

/**
 * Marks pages with Convene content, adds the widget to them, and notifies the service
 * (through a job, off the save path) when one of their talk pages is saved.
 */
class Hooks implements
	ContentAlterParserOutputHook,
	OutputPageParserOutputHook,
	PageSaveCompleteHook
{
	public const WIDGET_MODULE = 'ext.convene.widget';

	/** @var Config */
	private $config;
	/** @var NamespaceInfo */
	private $namespaceInfo;
	/** @var PageProps */
	private $pageProps;
	/** @var JobQueueGroup */
	private $jobQueueGroup;

	/**
	 * @param Config $config
	 * @param NamespaceInfo $namespaceInfo
	 * @param PageProps $pageProps
	 * @param JobQueueGroup $jobQueueGroup
	 */
	public function __construct( Config $config, NamespaceInfo $namespaceInfo,
		PageProps $pageProps, JobQueueGroup $jobQueueGroup
	) {
		$this->config = $config;
		$this->namespaceInfo = $namespaceInfo;
		$this->pageProps = $pageProps;
		$this->jobQueueGroup = $jobQueueGroup;
	}

	private function isConfigured(): bool {
		return trim( (string)$this->config->get( 'ConveneServiceUrl' ) ) !== ''
			&& (string)$this->config->get( 'ConveneSharedSecret' ) !== '';
	}

	/**
	 * Record the document, revision and language of a Convene page as page properties, so
	 * the save hook and the API find them without parsing the page again.
	 *
	 * @inheritDoc
	 */
	public function onContentAlterParserOutput( $content, $title, $parserOutput ) {
		$markers = PageMarkers::fromHtml( $parserOutput->getRawText() ?? '' );
		if ( $markers === null ) {
			return;
		}
		$parserOutput->setPageProperty( PageMarkers::PROP_DOCUMENT, $markers['document'] );
		$parserOutput->setPageProperty( PageMarkers::PROP_REVISION, (string)$markers['revision'] );
		if ( $markers['language'] !== null ) {
			$parserOutput->setPageProperty( PageMarkers::PROP_LANGUAGE, $markers['language'] );
		}
	}

	/**
	 * Load the widget on views of Convene pages.
	 *
	 * @inheritDoc
	 */
	public function onOutputPageParserOutput( $outputPage, $parserOutput ): void {
		$document = $parserOutput->getPageProperty( PageMarkers::PROP_DOCUMENT );
		if ( $document === null || !$this->isConfigured() ) {
			return;
		}
		// Previews and diffs show the text too, but a comment belongs to the published page.
		$action = $outputPage->getRequest()->getRawVal( 'action' ) ?? 'view';
		if ( $action !== 'view' || $outputPage->getRequest()->getCheck( 'diff' ) ) {
			return;
		}
		$outputPage->addModules( self::WIDGET_MODULE );
		$outputPage->addJsConfigVars( [
			'wgConveneDocument' => (string)$document,
			'wgConveneRevision' => (int)$parserOutput->getPageProperty( PageMarkers::PROP_REVISION ),
			'wgConveneMaxChars' => Api\ApiConveneComment::MAX_TEXT_CHARS,
		] );
	}

	/**
	 * Queue a notification of the service when the talk page of a Convene page is saved.
	 *
	 * @inheritDoc
	 */
	public function onPageSaveComplete( $wikiPage, $user, $summary, $flags, $revisionRecord,
		$editResult
	) {
		if ( $editResult->isNullEdit() || !$this->isConfigured() ) {
			return;
		}
		$title = $wikiPage->getTitle();
		if ( !$this->namespaceInfo->isTalk( $title->getNamespace() ) ) {
			return;
		}
		$subject = Title::newFromLinkTarget( $this->namespaceInfo->getSubjectPage( $title ) );
		if ( !$subject->exists()
			|| !$this->pageProps->getProperties( $subject, PageMarkers::PROP_DOCUMENT )
		) {
			return;
		}
		$canonical = $this->namespaceInfo->getCanonicalName( $title->getNamespace() );
		$this->jobQueueGroup->lazyPush( NotifyServiceJob::newSpec(
			$title->getPrefixedText(),
			( $canonical === false || $canonical === '' ? '' : $canonical . ':' ) . $title->getText()
		) );
	}
}
