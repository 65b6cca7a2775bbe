/* A compensation claim's running total: as parts lines are entered, quantity × unit price (the
   catalogue price when none is typed) is summed under the lines. The server computes the amount
   that counts; this only shows it while typing. */
(function () {
  'use strict';
  var script = document.currentScript;
  var rows = document.querySelector('[data-field="lines"] [data-rows]');
  if (!rows || !rows.querySelector('[name$="-part_code"]')) { return; }
  var label = (script && script.getAttribute('data-label')) || 'Total';
  var lang = document.documentElement.lang || 'zh-CN';
  var money = new Intl.NumberFormat(lang, { style: 'currency', currency: 'CNY' });
  var prices = {};
  var output = document.createElement('p');
  output.className = 'claim-total';
  output.setAttribute('data-testid', 'claim-running-total');
  output.setAttribute('aria-live', 'polite');
  rows.parentNode.insertBefore(output, rows.nextSibling);

  function valueOf(row, suffix) {
    var input = row.querySelector('[name$="-' + suffix + '"]');
    return input ? input.value.trim() : '';
  }
  function priceOf(code) {
    if (!code) { return null; }
    if (Object.prototype.hasOwnProperty.call(prices, code)) { return prices[code]; }
    prices[code] = null;
    fetch('/api/v1/parts/' + encodeURIComponent(code), { credentials: 'same-origin', headers: { 'Accept': 'application/json' } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (part) { if (part) { prices[code] = parseFloat(part.price); update(); } })
      .catch(function () {});
    return null;
  }
  function update() {
    var total = 0;
    rows.querySelectorAll('[data-row]').forEach(function (row) {
      if (row.closest('template')) { return; }
      var quantity = parseInt(valueOf(row, 'quantity'), 10);
      var typed = valueOf(row, 'unit_price');
      var unit = typed !== '' ? parseFloat(typed) : priceOf(valueOf(row, 'part_code'));
      if (quantity > 0 && unit !== null && isFinite(unit)) { total += quantity * unit; }
    });
    output.textContent = label + ' ' + money.format(total);
  }
  rows.addEventListener('input', function () { setTimeout(update, 0); });
  rows.addEventListener('change', update);
  new MutationObserver(update).observe(rows, { childList: true, subtree: true });
  update();
})();
