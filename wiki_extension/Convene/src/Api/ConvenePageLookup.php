<?php

namespace MediaWiki\Extension\Convene\Api;

use MediaWiki\Extension\Convene\PageMarkers;
use Title;

/**
 * The page an API call names, which must exist, be readable by the user and carry a
 * published Convene document; shared by the comment and status modules.
 * Needs `$this->pageProps` (PageProps) in the using ApiBase subclass.
 */
trait ConvenePageLookup {

	/**
	 * @param string $titleText
	 * @return array{0: Title, 1: array<string,string>} the title and its Convene page props
	 */
	private function requireConvenePage( string $titleText ): array {
		$title = Title::newFromText( $titleText );
		if ( !$title ) {
			$this->dieWithError( [ 'apierror-invalidtitle', wfEscapeWikiText( $titleText ) ] );
		}
		if ( !$title->exists() ) {
			$this->dieWithError( 'apierror-missingtitle' );
		}
		$this->checkTitleUserPermissions( $title, 'read' );
		$props = $this->pageProps->getProperties( $title, PageMarkers::PROPS )[$title->getArticleID()] ?? [];
		if ( !isset( $props[PageMarkers::PROP_DOCUMENT] ) ) {
			$this->dieWithError(
				[ 'apierror-convene-notconvenepage', wfEscapeWikiText( $title->getPrefixedText() ) ],
				'convene-notconvenepage' );
		}
		return [ $title, $props ];
	}
}
