<?php

namespace MediaWiki\Extension\Convene\Tests;

use MediaWiki\Extension\Convene\PageMarkers;
use PHPUnit\Framework\TestCase;

/**
 * @covers \MediaWiki\Extension\Convene\PageMarkers
 */
class PageMarkersTest extends TestCase {
	public function testReadsDocumentRevisionAndLanguage() {
		$html = '<div class="mw-parser-output"><div class="convene-header" data-convene-document="definition" ' .
			'data-convene-revision="3">Revision 3</div><div class="convene-document" lang="en" dir="ltr"><p>x</p></div></div>';
		$this->assertSame( [ 'document' => 'definition', 'revision' => 3, 'language' => 'en' ],
			PageMarkers::fromHtml( $html ) );
	}

	public function testLanguagePagesGiveTheirOwnLanguageAndAttributeOrderDoesNotMatter() {
		$html = '<div data-convene-revision="12" class="x convene-header y" data-convene-document="plan&amp;co">h</div>' .
			'<div dir="rtl" lang="ar" class="convene-page">نص</div>';
		$this->assertSame( [ 'document' => 'plan&co', 'revision' => 12, 'language' => 'ar' ],
			PageMarkers::fromHtml( $html ) );
	}

	/**
	 * @dataProvider provideNotCommentable
	 */
	public function testPagesWithoutACommentableHeaderAreNotMarked( string $html ) {
		$this->assertNull( PageMarkers::fromHtml( $html ) );
	}

	public static function provideNotCommentable() {
		return [
			'plain page' => [ '<p>Hello</p>' ],
			'changelog (no revision)' => [ '<div class="convene-header" data-convene-document="d" data-convene-changelog="1">x</div>' ],
			'revision not a number' => [ '<div class="convene-header" data-convene-document="d" data-convene-revision="3a">x</div>' ],
			'revision zero' => [ '<div class="convene-header" data-convene-document="d" data-convene-revision="0">x</div>' ],
			'class only mentioned in text' => [ '<p>the convene-header div</p>' ],
			'similar class' => [ '<div class="convene-headers" data-convene-document="d" data-convene-revision="1">x</div>' ],
			'slug with a space' => [ '<div class="convene-header" data-convene-document="a b" data-convene-revision="1">x</div>' ],
		];
	}

	public function testAnOddLanguageAttributeIsIgnored() {
		$html = '<div class="convene-header" data-convene-document="d" data-convene-revision="1"></div>' .
			'<div class="convene-document" lang="EN&quot;x">t</div>';
		$this->assertNull( PageMarkers::fromHtml( $html )['language'] );
	}

	public function testUnitKeys() {
		$this->assertTrue( PageMarkers::isUnitKey( 'k3x9-a' ) );
		$this->assertFalse( PageMarkers::isUnitKey( '' ) );
		$this->assertFalse( PageMarkers::isUnitKey( str_repeat( 'a', 33 ) ) );
		$this->assertFalse( PageMarkers::isUnitKey( 'a"b' ) );
	}
}
