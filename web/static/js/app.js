/* Aftercare pages work without this file; it only makes them quicker to use:
   repeatable rows added and removed in place, files uploaded as soon as they are chosen,
   filters applied on change, reference fields suggesting values, the first error focused. */
(function () {
  'use strict';
  var csrf = (document.querySelector('meta[name="csrf-token"]') || {}).content || '';

  function closest(el, selector) { return el && el.closest ? el.closest(selector) : null; }

  /* ---- repeatable rows ---- */
  function nextRowNumber(list) {
    var max = -1;
    list.querySelectorAll('[name]').forEach(function (input) {
      var m = /-(\d+)-[^-]+$/.exec(input.name);
      if (m) { max = Math.max(max, parseInt(m[1], 10)); }
    });
    return max + 1;
  }
  function renumber(list) {
    list.querySelectorAll('[data-row] .row-no').forEach(function (label, index) {
      label.textContent = label.textContent.replace(/\d+|__n__/, String(index + 1));
    });
  }
  document.addEventListener('click', function (event) {
    var add = closest(event.target, '[data-add-row]');
    if (add) {
      var group = closest(add, '[data-rows]');
      var list = group.querySelector('[data-rows-list]');
      var template = group.querySelector('template[data-row-template]');
      var max = parseInt(group.dataset.max || '0', 10);
      if (!template) { return; }
      event.preventDefault();
      if (max && list.querySelectorAll('[data-row]').length >= max) { return; }
      var n = nextRowNumber(list);
      var html = template.innerHTML.split('__i__').join(String(n));
      list.insertAdjacentHTML('beforeend', html);
      renumber(list);
      var first = list.lastElementChild.querySelector('input, select, textarea');
      if (first) { first.focus(); }
      return;
    }
    var remove = closest(event.target, '[data-remove-row]');
    if (remove) {
      var rowList = closest(remove, '[data-rows-list]');
      closest(remove, '[data-row]').remove();
      renumber(rowList);
      return;
    }
    var removeFile = closest(event.target, '[data-remove-file]');
    if (removeFile) { closest(removeFile, 'li').remove(); }
  });

  /* ---- files: upload each as soon as it is chosen ---- */
  function fileItem(field, file) {
    var li = document.createElement('li');
    var hidden = document.createElement('input');
    hidden.type = 'hidden'; hidden.name = field.dataset.name; hidden.value = file.id;
    var link = document.createElement('a');
    link.href = file.url; link.target = '_blank'; link.rel = 'noopener'; link.textContent = file.filename;
    link.setAttribute('translate', 'no');
    var size = document.createElement('small');
    size.className = 'muted'; size.textContent = Math.round(file.size / 1024) + ' KB';
    var drop = document.createElement('button');
    drop.type = 'button'; drop.className = 'link-btn danger'; drop.setAttribute('data-remove-file', '');
    drop.textContent = field.dataset.removeLabel || '×';
    li.append(hidden, ' ', link, ' ', size, ' ', drop);
    return li;
  }
  function showFieldError(wrapper, message) {
    var box = wrapper.querySelector('.field-error');
    if (!box) {
      box = document.createElement('p'); box.className = 'field-error'; box.setAttribute('role', 'alert');
      wrapper.appendChild(box);
    }
    box.textContent = message;
    wrapper.classList.add('has-error');
  }
  document.addEventListener('change', function (event) {
    var input = event.target;
    if (input.type === 'file') {
      var field = closest(input, '[data-file-field]');
      if (!field || !window.fetch || !window.FormData) { return; }
      var list = field.querySelector('[data-file-list]');
      var wrapper = closest(field, '.field');
      var removeButton = document.querySelector('[data-remove-file]');
      field.dataset.removeLabel = removeButton ? removeButton.textContent : '×';
      var files = Array.prototype.slice.call(input.files);
      if (!files.length) { return; }
      field.classList.add('busy');
      Promise.all(files.map(function (file) {
        var body = new FormData(); body.append('file', file);
        return fetch('/files', { method: 'POST', body: body, credentials: 'same-origin',
          headers: { 'X-CSRFToken': csrf, 'Accept': 'application/json' } })
          .then(function (response) {
            return response.json().then(function (data) {
              if (!response.ok) {
                var errors = data.errors || {};
                var first = Object.keys(errors)[0];
                throw new Error(first ? errors[first].join(' ') : (data.message || response.statusText));
              }
              if (field.dataset.multiple !== 'true') { list.innerHTML = ''; }
              list.appendChild(fileItem(field, data));
            });
          });
      })).then(function () {
        input.value = '';
        wrapper.classList.remove('has-error');
        var old = wrapper.querySelector('.field-error'); if (old) { old.remove(); }
      }).catch(function (error) {
        input.value = '';
        showFieldError(wrapper, error.message);
      }).finally(function () { field.classList.remove('busy'); });
      return;
    }
    if (input.hasAttribute('data-autosubmit') && input.form) { input.form.requestSubmit ? input.form.requestSubmit() : input.form.submit(); }
  });

  /* ---- reference fields: people type and pick a name; the hidden input beside it carries the
     id the form takes (a choice's label maps back to its key; anything else typed is sent as typed,
     e.g. a serial number, and the server says if it is unknown) ---- */
  var timers = {};
  var picked = {};
  function hiddenOf(input) {
    var hidden = input.previousElementSibling;
    return hidden && hidden.hasAttribute('data-lookup-value') ? hidden : null;
  }
  document.addEventListener('input', function (event) {
    var input = event.target;
    var source = input.getAttribute && input.getAttribute('data-lookup');
    if (!source) { return; }
    var hidden = hiddenOf(input);
    var choices = picked[input.id] || {};
    if (hidden) { hidden.value = Object.prototype.hasOwnProperty.call(choices, input.value) ? choices[input.value] : input.value; }
    if (!input.list) { return; }
    clearTimeout(timers[input.id]);
    timers[input.id] = setTimeout(function () {
      fetch(source + '?per_page=10&q=' + encodeURIComponent(input.value), { credentials: 'same-origin', headers: { 'Accept': 'application/json' } })
        .then(function (r) { return r.ok ? r.json() : { items: [] }; })
        .then(function (data) {
          input.list.innerHTML = '';
          var key = input.getAttribute('data-lookup-key') || 'id';
          var map = picked[input.id] = picked[input.id] || {};
          (data.items || []).forEach(function (item) {
            var label = [item.display_name || item.name, item.serial, item.model, item.region]
              .filter(function (part) { return part != null && part !== ''; }).join(' · ') || String(item[key]);
            map[label] = String(item[key]);
            var option = document.createElement('option');
            option.value = label;
            input.list.appendChild(option);
          });
        }).catch(function () {});
    }, 200);
  });

  /* ---- after a failed submit, take the person to the first problem ---- */
  var firstError = document.querySelector('.has-error input:not([type=hidden]), .has-error select, .has-error textarea');
  if (firstError) { firstError.focus({ preventScroll: false }); }
  else { var summary = document.querySelector('[data-error-summary]'); if (summary) { summary.focus(); } }

  /* ---- on a phone the case summary above a task form starts folded: the facts stay, the
     request and earlier steps open on a tap, and the form is in reach ---- */
  if (window.matchMedia && window.matchMedia('(max-width: 959px)').matches) {
    document.querySelectorAll('.case-aside details.summary-block[open]').forEach(function (d) { d.removeAttribute('open'); });
  }

  /* ---- demo mode: a demo account on the login page fills in its login and password ---- */
  document.querySelectorAll('[data-demo-login]').forEach(function (button) {
    button.addEventListener('click', function () {
      var user = document.getElementById('username'), password = document.getElementById('password');
      if (user) { user.value = button.getAttribute('data-demo-login'); }
      if (password) { password.value = 'demo'; password.focus(); }
    });
  });

  /* ---- a click outside the user menu closes it ---- */
  document.addEventListener('click', function (event) {
    document.querySelectorAll('details.usermenu[open]').forEach(function (menu) {
      if (!menu.contains(event.target)) { menu.removeAttribute('open'); }
    });
  });
})();
