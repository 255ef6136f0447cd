<?php

namespace MediaWiki\Extension\Convene\Tests;

use PHPUnit\Framework\TestCase;

/**
 * The widget's messages as MediaWiki serves them to readers in their own language, with the
 * language's own plural rules.
 *
 * @coversNothing
 */
class MessagesTest extends TestCase {
	public static function provideReaderLanguages() {
		return [
			'French' => [ 'fr', 'Commenter', [ 1 => '1 commentaire', 3 => '3 commentaires' ] ],
			'Polish' => [ 'pl', 'Skomentuj', [ 1 => '1 komentarz', 3 => '3 komentarze', 5 => '5 komentarzy' ] ],
			// Arabic has six plural forms, and MediaWiki writes its numbers in Arabic-Indic digits.
			'Arabic' => [ 'ar', 'علّق', [ 1 => 'تعليق واحد', 2 => 'تعليقان', 3 => '٣ تعليقات',
				11 => '١١ تعليقًا', 100 => '١٠٠ تعليق' ] ],
			// A language without a translation falls back to English.
			'Zulu' => [ 'zu', 'Comment', [ 1 => '1 comment', 2 => '2 comments' ] ],
		];
	}

	/**
	 * @dataProvider provideReaderLanguages
	 */
	public function testReadersSeeTheWidgetInTheirLanguage( string $code, string $button, array $counts ) {
		$this->assertSame( $button, wfMessage( 'convene-widget-button' )->inLanguage( $code )->text() );
		foreach ( $counts as $n => $text ) {
			$this->assertSame( $text,
				wfMessage( 'convene-widget-count' )->numParams( $n )->inLanguage( $code )->text() );
		}
	}
}
