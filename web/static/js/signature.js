/* Signature fields: the person draws on the pad (finger, pen or mouse: signature_pad from npm);
   each finished stroke uploads the drawing as a PNG through POST /files, and the hidden input
   then names the upload, as a file field does. Rows added later get their pad when they appear. */
(function () {
  'use strict';
  if (!window.SignaturePad || !window.fetch) { return; }
  var csrf = (document.querySelector('meta[name="csrf-token"]') || {}).content || '';

  function upload(field, pad, canvas) {
    var hidden = field.querySelector('[data-signature-value]');
    var status = field.querySelector('[data-signature-status]');
    canvas.toBlob(function (blob) {
      var body = new FormData(); body.append('file', blob, 'signature.png');
      field.classList.add('busy');
      fetch('/files', { method: 'POST', body: body, credentials: 'same-origin',
        headers: { 'X-CSRFToken': csrf, 'Accept': 'application/json' } })
        .then(function (response) { return response.json().then(function (data) { return [response.ok, data]; }); })
        .then(function (result) {
          if (!result[0]) { throw new Error(result[1].message || 'upload failed'); }
          hidden.value = result[1].id;
          if (status) { status.textContent = status.dataset.signedText || '✓'; }
        })
        .catch(function (error) { if (status) { status.textContent = error.message; } })
        .finally(function () { field.classList.remove('busy'); });
    }, 'image/png');
  }

  function setUp(field) {
    var canvas = field.querySelector('[data-signature-pad]');
    if (!canvas || field.dataset.ready) { return; }
    if (canvas.id.indexOf('__i__') >= 0) { return; } // the template of a new row
    field.dataset.ready = 'true';
    var ratio = Math.max(window.devicePixelRatio || 1, 1);
    canvas.width = canvas.offsetWidth * ratio;
    canvas.height = canvas.offsetHeight * ratio;
    canvas.getContext('2d').scale(ratio, ratio);
    var pad = new window.SignaturePad(canvas, { backgroundColor: 'rgb(255,255,255)' });
    pad.addEventListener('endStroke', function () { upload(field, pad, canvas); });
    var clear = field.querySelector('[data-signature-clear]');
    if (clear) {
      clear.addEventListener('click', function () {
        pad.clear();
        field.querySelector('[data-signature-value]').value = '';
        var image = field.querySelector('[data-signature-image]'); if (image) { image.remove(); }
      });
    }
  }

  function scan() { document.querySelectorAll('[data-signature-field]').forEach(setUp); }
  scan();
  new MutationObserver(scan).observe(document.body, { childList: true, subtree: true });
})();
