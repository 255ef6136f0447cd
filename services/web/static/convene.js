/* Convene dashboard: "select all" for the queue's bulk actions. The box stays hidden
   without JavaScript, where it could not work; everything else works without it. */
document.addEventListener( 'DOMContentLoaded', function () {
	var all = document.getElementById( 'convene-select-all' );
	if ( !all ) {
		return;
	}
	var boxes = document.querySelectorAll( 'input[name="ids"]' );
	document.getElementById( 'convene-select-all-wrap' ).hidden = false;
	all.addEventListener( 'change', function () {
		boxes.forEach( function ( box ) {
			box.checked = all.checked;
		} );
	} );
} );
