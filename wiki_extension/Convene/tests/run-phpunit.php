<?php
/**
 * Runs the extension's PHPUnit tests against a real wiki with the extension loaded.
 *
 * Debian's mediawiki package ships no MediaWiki test harness, so this boots MediaWiki at
 * GLOBAL scope (a phpunit --bootstrap file is included inside a method, where LocalSettings'
 * $wg* would become locals) and then hands over to Debian's PHPUnit 9 (package `phpunit`).
 *
 * Usage: MW_CONFIG_FILE=<wiki>/conf/LocalSettings.php php tests/run-phpunit.php [phpunit args]
 * With no arguments it runs tests/phpunit. The wiki's database is written to (test pages).
 */

if ( PHP_SAPI !== 'cli' ) {
	exit( 'run-phpunit.php runs from the command line only' );
}
if ( !getenv( 'MW_CONFIG_FILE' ) ) {
	fwrite( STDERR, "run-phpunit.php: set MW_CONFIG_FILE to the test wiki's LocalSettings.php\n" );
	exit( 2 );
}
define( 'MEDIAWIKI', true );
define( 'MW_ENTRY_POINT', 'cli' );
$wgCommandLineMode = true;
$IP = getenv( 'MW_INSTALL_PATH' ) ?: '/usr/share/mediawiki';
require_once "$IP/includes/BootstrapHelperFunctions.php";
require_once "$IP/includes/Setup.php";

$autoload = getenv( 'PHPUNIT_AUTOLOAD' ) ?: '/usr/share/php/PHPUnit/Autoload.php';
if ( !is_file( $autoload ) ) {
	fwrite( STDERR, "run-phpunit.php: PHPUnit not found at $autoload (Debian package `phpunit`)\n" );
	exit( 2 );
}
require_once $autoload;

// Without a test file or directory as the last argument, run the whole tests/phpunit.
// No .phpunit.result.cache is left in the working directory.
$args = $argv;
array_splice( $args, 1, 0, [ '--do-not-cache-result' ] );
if ( !file_exists( end( $args ) ) ) {
	$args[] = __DIR__ . '/phpunit';
}
exit( ( new PHPUnit\TextUI\Command() )->run( $args, false ) );
