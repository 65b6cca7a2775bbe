/* The forms editor (load before modeler.js): a process's form definitions edited as JSON beside a
   live preview of the rendered form — fields, types, labels in Chinese and English, required marks,
   choices — checked by the server as deploy checks them (POST …/form-preview). Edited forms go out
   with the deploy as `<process>.forms.json`; the forms not edited carry over from the last version. */
(function (global) {
  'use strict';

  function create(ctx) {
    var config = ctx.config, t = ctx.t, h = ctx.h;
    var pane = document.querySelector('[data-pane="__forms__"]');
    var select = pane.querySelector('[data-form-select]');
    var area = pane.querySelector('[data-testid=form-json]');
    var preview = pane.querySelector('[data-testid=form-preview]');
    var problems = pane.querySelector('[data-testid=form-problems]');
    var langSelect = pane.querySelector('[data-testid=form-preview-lang]');
    var baseline = {}, texts = {}, last = null, timer = null;
    Object.keys(config.formDefinitions).forEach(function (name) {
      baseline[name] = JSON.stringify(config.formDefinitions[name], null, 2);
      texts[name] = baseline[name];
    });

    function fill() {
      select.innerHTML = '';
      Object.keys(texts).sort().forEach(function (name) { select.append(h('option', { value: name, text: name })); });
    }
    function show(name) {
      select.value = name;
      area.value = texts[name];
      check();
    }
    function control(field) {
      var attrs = { disabled: true, 'aria-label': field.label };
      switch (field.type) {
        case 'text': return h('textarea', attrs);
        case 'boolean': return h('input', Object.assign({ type: 'checkbox' }, attrs));
        case 'integer': case 'number': return h('input', Object.assign({ type: 'number' }, attrs));
        case 'date': return h('input', Object.assign({ type: 'date' }, attrs));
        case 'datetime': return h('input', Object.assign({ type: 'datetime-local' }, attrs));
        case 'file': return h('input', Object.assign({ type: 'file' }, attrs));
        case 'enum': return h('select', attrs, (field.choices || []).map(function (c) { return h('option', { value: c.value, text: c.label }); }));
        case 'rows': return h('table', { class: 'datalist' }, [h('thead', {}, [h('tr', {}, (field.fields || []).map(function (f) {
          return h('th', { text: f.label + (f.required ? ' *' : '') });
        }))])]);
        default: return h('input', Object.assign({ type: 'text', placeholder: field.type }, attrs));
      }
    }
    function render() {
      preview.innerHTML = '';
      if (!last) { return; }
      var form = last[langSelect.value] || last.zh;
      preview.append(h('h3', { text: form.title || select.value }));
      form.fields.forEach(function (field) {
        preview.append(h('div', { class: 'field', 'data-field': field.name, 'data-type': field.type }, [
          h('label', { text: field.label }, [field.required ? h('span', { class: 'req', 'data-required': '', text: ' *' }) : null]),
          control(field),
          h('small', { class: 'muted', translate: 'no', text: field.name + ' · ' + field.type })
        ]));
      });
    }
    function check() {
      clearTimeout(timer);
      var name = select.value;
      var definition;
      try {
        definition = JSON.parse(area.value);
      } catch (error) {
        problems.innerHTML = '';
        problems.append(h('li', { text: t('JSON 格式错误：') + error.message }));
        pane.dataset.valid = 'false';
        return Promise.resolve();
      }
      return fetch(config.formPreviewUrl, { method: 'POST', credentials: 'same-origin',
        headers: { 'Content-Type': 'application/json', 'X-CSRFToken': ctx.csrf, Accept: 'application/json' },
        body: JSON.stringify({ name: name, definition: definition }) })
        .then(function (response) { return response.json(); })
        .then(function (body) {
          problems.innerHTML = '';
          (body.problems || []).forEach(function (p) { problems.append(h('li', { text: ctx.explain(p) })); });
          pane.dataset.valid = body.problems && body.problems.length ? 'false' : 'true';
          if (body.zh) { last = body; render(); }
        });
    }
    area.addEventListener('input', function () {
      texts[select.value] = area.value;
      ctx.refreshDirty();
      clearTimeout(timer);
      timer = setTimeout(check, 300);
    });
    select.addEventListener('change', function () { show(select.value); });
    langSelect.addEventListener('change', render);
    pane.querySelector('[data-action=new-form]').addEventListener('click', function () {
      var name = (global.prompt(t('新表单的名称（英文字母、数字、下划线）')) || '').trim();
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name) || texts[name]) { return; }
      texts[name] = JSON.stringify({ title: { zh: '', en: '' }, fields: [] }, null, 2);
      fill();
      show(name);
      ctx.refreshDirty();
    });
    fill();
    if (select.options.length) { show(select.options[0].value); }

    return {
      edited: function () {  /* name -> definition of each form changed here (only if it is valid JSON) */
        var out = {};
        Object.keys(texts).forEach(function (name) {
          if (texts[name] === baseline[name]) { return; }
          try { out[name] = JSON.parse(texts[name]); } catch (error) { out[name] = texts[name]; }
        });
        return out;
      },
      dirty: function () { return Object.keys(texts).some(function (name) { return texts[name] !== baseline[name]; }); },
      saved: function () { Object.keys(texts).forEach(function (name) { baseline[name] = texts[name]; }); }
    };
  }

  global.AftercareForms = { create: create };
}(window));
