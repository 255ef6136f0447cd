/*!
 * Convene: a "comment" button after each unit of a page published by Convene, a small form to
 * send a comment (action=convenecomment), and live per-unit feedback counts (action=convenestatus).
 */
( function () {
	'use strict';

	// Triage statuses in the order the working group's dashboard shows them.
	var STATUS_MESSAGES = {
		'new': 'convene-status-new',
		'in_review': 'convene-status-in-review',
		'accepted': 'convene-status-accepted',
		'partly_accepted': 'convene-status-partly-accepted',
		'declined': 'convene-status-declined',
		'duplicate': 'convene-status-duplicate',
		'out_of_scope': 'convene-status-out-of-scope',
		'addressed': 'convene-status-addressed'
	};
	var STATUS_ORDER = Object.keys( STATUS_MESSAGES );

	var content = document.querySelector( '.mw-parser-output' );
	var header = content && content.querySelector( '.convene-header[data-convene-revision]' );
	if ( !header ) {
		return;
	}

	var api = new mw.Api();
	var pageName = mw.config.get( 'wgPageName' );
	var maxChars = mw.config.get( 'wgConveneMaxChars' ) || 5000;
	var uiLang = mw.config.get( 'wgUserLanguage' );
	var uiDir = document.documentElement.getAttribute( 'dir' ) || 'ltr';
	var controls = [];
	var consultationOpen = true;
	var unavailableShown = false;

	function number( n ) {
		return mw.language.convertNumber( n );
	}

	function mixText( statuses ) {
		var parts = [];
		STATUS_ORDER.forEach( function ( status ) {
			if ( statuses[ status ] ) {
				// eslint-disable-next-line mediawiki/msg-doc
				parts.push( number( statuses[ status ] ) + ' ' + mw.msg( STATUS_MESSAGES[ status ] ) );
			}
		} );
		return parts.join( ', ' );
	}

	/** The block a unit sits in: a form goes after it (or inside it, for a list item). */
	function blockOf( unit ) {
		return $( unit ).closest( 'li, p, dd, h1, h2, h3, h4, h5, h6' );
	}

	function setMessage( control, kind, text ) {
		control.$message
			.attr( 'class', 'convene-widget-message' + ( kind ? ' convene-widget-message-' + kind : '' ) )
			.text( text || '' )
			.prop( 'hidden', !text );
	}

	function closeForm( control ) {
		if ( control.$form ) {
			control.$form.remove();
			control.$form = null;
		}
		control.$button.attr( 'aria-expanded', 'false' );
		control.$button.trigger( 'focus' );
	}

	function buildForm( control ) {
		var formId = 'convene-form-' + control.key;
		var $form = $( '<form>' )
			.addClass( 'convene-widget-form' )
			.attr( { id: formId, lang: uiLang, dir: uiDir, 'data-convene-for': control.key } );
		control.$message = $( '<p>' ).attr( { role: 'status', 'aria-live': 'polite' } );

		if ( mw.user.isAnon() ) {
			$form.append( $( '<p>' ).append( $( '<a>' )
				.attr( 'href', mw.util.getUrl( 'Special:UserLogin', { returnto: pageName } ) )
				.text( mw.msg( 'convene-widget-login' ) ) ) );
		} else if ( !consultationOpen ) {
			$form.append( $( '<p>' ).text( mw.msg( 'convene-widget-closed' ) ) );
		} else {
			var $text = $( '<textarea>' ).attr( {
				id: formId + '-text',
				name: 'text',
				rows: 4,
				maxlength: maxChars,
				dir: 'auto',
				'aria-describedby': formId + '-help'
			} );
			var $submit = $( '<button>' ).attr( 'type', 'submit' )
				.addClass( 'convene-widget-action convene-widget-primary' )
				.text( mw.msg( 'convene-widget-submit' ) );
			$form.append(
				$( '<label>' ).attr( 'for', formId + '-text' ).text( mw.msg( 'convene-widget-form-label' ) ),
				$text,
				$( '<p>' ).addClass( 'convene-widget-help' ).attr( 'id', formId + '-help' )
					.text( mw.msg( 'convene-widget-form-help', number( maxChars ) ) ),
				$( '<div>' ).addClass( 'convene-widget-actions' ).append(
					$submit,
					$( '<button>' ).attr( 'type', 'button' )
						.addClass( 'convene-widget-action' )
						.text( mw.msg( 'convene-widget-cancel' ) )
						.on( 'click', function () {
							closeForm( control );
						} )
				)
			);
			$form.on( 'submit', function ( event ) {
				event.preventDefault();
				send( control, $text, $submit );
			} );
		}
		$form.append( control.$message.prop( 'hidden', true ) );
		$form.on( 'keydown', function ( event ) {
			if ( event.key === 'Escape' ) {
				closeForm( control );
			}
		} );
		return $form;
	}

	function toggleForm( control ) {
		if ( control.$form ) {
			closeForm( control );
			return;
		}
		control.$form = buildForm( control );
		var $block = blockOf( control.unit );
		if ( !$block.length ) {
			control.$wrap.after( control.$form );
		} else if ( $block.is( 'li, dd' ) ) {
			$block.append( control.$form );
		} else {
			$block.after( control.$form );
		}
		control.$button.attr( { 'aria-expanded': 'true', 'aria-controls': control.$form.attr( 'id' ) } );
		control.$form.find( 'textarea, a' ).first().trigger( 'focus' );
	}

	function send( control, $text, $submit ) {
		var text = $text.val().trim();
		if ( !text ) {
			setMessage( control, 'error', mw.msg( 'convene-widget-empty' ) );
			return;
		}
		if ( text.length > maxChars ) {
			setMessage( control, 'error', mw.msg( 'convene-widget-too-long', number( maxChars ) ) );
			return;
		}
		$submit.prop( 'disabled', true );
		$text.prop( 'readonly', true );
		setMessage( control, '', mw.msg( 'convene-widget-sending' ) );
		api.postWithToken( 'csrf', {
			action: 'convenecomment',
			title: pageName,
			unit: control.key,
			text: text,
			revid: mw.config.get( 'wgRevisionId' ) || undefined,
			formatversion: 2,
			errorformat: 'plaintext'
		} ).then( function () {
			$text.val( '' );
			setMessage( control, 'success', mw.msg( 'convene-widget-sent' ) );
			refreshStatus();
		}, function ( code, result ) {
			var info = result && result.errors && result.errors[ 0 ] && result.errors[ 0 ].text;
			setMessage( control, 'error', mw.msg( 'convene-widget-error', info || code ) );
		} ).always( function () {
			$submit.prop( 'disabled', false );
			$text.prop( 'readonly', false );
		} );
	}

	function showCounts( control, unit ) {
		var count = unit ? unit.count : 0;
		var statuses = unit ? unit.statuses : {};
		var label = mw.msg( 'convene-widget-button-title' );
		control.$wrap.attr( 'data-convene-count', count );
		control.$count.text( number( count ) ).prop( 'hidden', count === 0 );
		control.$mix.empty().prop( 'hidden', count === 0 );
		if ( count > 0 ) {
			label += ' (' + mw.msg( 'convene-widget-count', count ) + ': ' + mixText( statuses ) + ')';
			STATUS_ORDER.forEach( function ( status ) {
				if ( statuses[ status ] ) {
					control.$mix.append( $( '<span>' )
						.addClass( 'convene-widget-mix-' + status.replace( /_/g, '-' ) )
						.css( 'flex-grow', statuses[ status ] ) );
				}
			} );
			control.$mix.attr( 'title', mw.msg( 'convene-widget-mix', mixText( statuses ) ) );
		}
		control.$button.attr( { 'aria-label': label, title: label } );
	}

	function refreshStatus() {
		return api.get( {
			action: 'convenestatus',
			title: pageName,
			formatversion: 2,
			errorformat: 'plaintext'
		} ).then( function ( data ) {
			var status = data.convenestatus;
			consultationOpen = !!status.open;
			controls.forEach( function ( control ) {
				showCounts( control, status.units[ control.key ] );
			} );
			header.setAttribute( 'data-convene-status', 'ready' );
		}, function () {
			header.setAttribute( 'data-convene-status', 'unavailable' );
			if ( !unavailableShown ) {
				unavailableShown = true;
				mw.notify( mw.msg( 'convene-widget-status-unavailable' ), { tag: 'convene-status', type: 'warn' } );
			}
		} );
	}

	function addControl( unit ) {
		var control = {
			key: unit.getAttribute( 'data-convene-unit' ),
			unit: unit,
			$form: null
		};
		control.$count = $( '<span>' ).addClass( 'convene-widget-count' ).prop( 'hidden', true );
		control.$button = $( '<button>' )
			.attr( { type: 'button', 'aria-expanded': 'false', title: mw.msg( 'convene-widget-button-title' ) } )
			.addClass( 'convene-widget-button' )
			.append(
				$( '<span>' ).addClass( 'convene-widget-icon' ).attr( 'aria-hidden', 'true' ),
				$( '<span>' ).addClass( 'convene-widget-label' ).text( mw.msg( 'convene-widget-button' ) ),
				control.$count
			)
			.on( 'click', function () {
				toggleForm( control );
			} );
		control.$mix = $( '<span>' ).addClass( 'convene-widget-mix' ).attr( 'aria-hidden', 'true' ).prop( 'hidden', true );
		control.$wrap = $( '<span>' )
			.addClass( 'convene-widget' )
			.attr( { lang: uiLang, dir: uiDir, 'data-convene-for': control.key, 'data-convene-count': 0 } )
			.append( control.$button, control.$mix );
		$( unit ).after( control.$wrap );
		controls.push( control );
	}

	Array.prototype.forEach.call( content.querySelectorAll( '.convene-unit[data-convene-unit]' ), addControl );
	if ( controls.length ) {
		refreshStatus();
	}
}() );
