/* The keeping page while a backup runs: read it again every few seconds
 * (the element marked data-refresh says how many), until it has ended. */
(function () {
	'use strict';
	var el = document.querySelector('[data-refresh]');
	if (el) {
		var s = parseInt(el.getAttribute('data-refresh'), 10) || 3;
		window.setTimeout(function () {
			window.location.replace('/admin/keeping');
		}, s * 1000);
	}
}());
