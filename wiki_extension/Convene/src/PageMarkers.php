<?php

namespace MediaWiki\Extension\Convene;

/**
 * What a page published by Convene says about itself in its rendered HTML.
 *
 * Convene writes a header `<div class="convene-header" data-convene-document="SLUG"
 * data-convene-revision="N">` and wraps the text in `<div class="convene-document"
 * lang=… dir=…>` (source page) or `<div class="convene-page" lang=… dir=…>` (language page);
 * see services/documents/render.py. The changelog has a header without a revision: it has no
 * units to comment on.
 */
class PageMarkers {
	/** Page properties set on pages with Convene content. */
	public const PROP_DOCUMENT = 'convene-document';
	public const PROP_REVISION = 'convene-revision';
	public const PROP_LANGUAGE = 'convene-language';
	public const PROPS = [ self::PROP_DOCUMENT, self::PROP_REVISION, self::PROP_LANGUAGE ];

	/** Slugs are the service's (up to 100 characters); nothing that could end an attribute. */
	private const SLUG_RE = '/^[^\x00-\x20"<>]{1,100}$/u';
	private const UNIT_KEY_RE = '/^[A-Za-z0-9-]{1,32}$/';

	/**
	 * The document slug, revision number and language of a rendered page, or null.
	 * @param string $html
	 * @return array|null [ 'document' => string, 'revision' => int, 'language' => ?string ]
	 */
	public static function fromHtml( string $html ): ?array {
		if ( strpos( $html, 'convene-header' ) === false ) {
			return null;
		}
		$header = self::firstTagWithClass( $html, 'convene-header' );
		if ( $header === null ) {
			return null;
		}
		$document = self::attribute( $header, 'data-convene-document' );
		$revision = self::attribute( $header, 'data-convene-revision' );
		if ( $document === null || !preg_match( self::SLUG_RE, $document )
			|| $revision === null || !ctype_digit( $revision ) || (int)$revision < 1
		) {
			return null;
		}
		$body = self::firstTagWithClass( $html, 'convene-document' )
			?? self::firstTagWithClass( $html, 'convene-page' );
		$language = $body === null ? null : self::attribute( $body, 'lang' );
		if ( $language !== null && !preg_match( '/^[a-z]{2,3}(-[a-z0-9]{1,8})*$/', $language ) ) {
			$language = null;
		}
		return [ 'document' => $document, 'revision' => (int)$revision, 'language' => $language ];
	}

	/**
	 * Whether a string can be a unit key (the `data-convene-unit` of a unit).
	 * @param string $key
	 * @return bool
	 */
	public static function isUnitKey( string $key ): bool {
		return (bool)preg_match( self::UNIT_KEY_RE, $key );
	}

	/**
	 * @param string $html
	 * @param string $class
	 * @return string|null The opening tag of the first div with that class
	 */
	private static function firstTagWithClass( string $html, string $class ): ?string {
		$pattern = '/<div\b[^>]*\bclass="(?:[^"]*\s)?' . preg_quote( $class, '/' ) .
			'(?:\s[^"]*)?"[^>]*>/';
		return preg_match( $pattern, $html, $m ) ? $m[0] : null;
	}

	/**
	 * @param string $tag
	 * @param string $name
	 * @return string|null The decoded value of the attribute
	 */
	private static function attribute( string $tag, string $name ): ?string {
		if ( !preg_match( '/\s' . preg_quote( $name, '/' ) . '="([^"]*)"/', $tag, $m ) ) {
			return null;
		}
		return html_entity_decode( $m[1], ENT_QUOTES | ENT_HTML5, 'UTF-8' );
	}
}
