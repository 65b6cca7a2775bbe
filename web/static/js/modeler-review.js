/* Before a change goes live (load before modeler.js): "deploy" first asks the server what the draft
   changes against the latest version (POST …/diff), marks the added and changed elements on the
   diagram, lists the removed ones and the decision rules that changed, offers a dry run against the
   recorded cases (POST …/dry-run), and deploys only when the owner confirms with a change note.
   The decision test (POST …/decision-test) runs the table being edited on sample inputs. */
(function (global) {
  'use strict';
  var MARKS = ['ac-added', 'ac-changed'];

  function create(ctx) {
    var config = ctx.config, t = ctx.t, h = ctx.h;
    var panel = document.getElementById('review');
    var current = null;  // {form: FormData builder, sent, diff}

    function post(url, form) {
      return fetch(url, { method: 'POST', body: form, credentials: 'same-origin',
                          headers: { 'X-CSRFToken': ctx.csrf, Accept: 'application/json' } })
        .then(function (response) {
          return response.json().catch(function () { return {}; }).then(function (body) {
            return { status: response.status, body: body };
          });
        });
    }
    function clearMarks() {
      var canvas = ctx.service('canvas');
      ctx.service('elementRegistry').getAll().forEach(function (e) {
        MARKS.forEach(function (mark) { canvas.removeMarker(e.id, mark); });
      });
    }
    function mark(items, kind) {
      items.forEach(function (item) {
        if (ctx.service('elementRegistry').get(item.id)) { ctx.service('canvas').addMarker(item.id, kind); }
      });
    }
    function label(item) { return item.name ? item.name + ' (' + item.id + ')' : item.id; }
    function list(title, items, testid, render) {
      if (!items.length) { return null; }
      return h('div', { 'data-testid': testid }, [h('h3', { text: title }),
        h('ul', { class: 'review-list' }, items.map(render))]);
    }
    function changeText(change) {
      if (change.what === 'decision rules') { return t('决策表的规则有修改'); }
      var show = function (v) { return v === null || v === undefined ? '—' : typeof v === 'object' ? JSON.stringify(v) : String(v); };
      return change.what + ': ' + show(change.from) + ' → ' + show(change.to);
    }
    function summary(diff) {
      var rules = [];
      diff.decisions.forEach(function (decision) {
        decision.rules.forEach(function (rule) {
          var side = function (r) { return r ? r.inputs.join(' | ') + ' ⇒ ' + r.outputs.join(' | ') : '—'; };
          rules.push({ id: rule.id, status: rule.status, text: decision.name + ' · ' + rule.id + ': ' + side(rule.from) + '  →  ' + side(rule.to) });
        });
      });
      return [
        list(t('新增的元素'), diff.added, 'diff-added', function (item) { return h('li', { 'data-element': item.id, text: label(item) }); }),
        list(t('删除的元素'), diff.removed, 'diff-removed', function (item) { return h('li', { 'data-element': item.id, text: label(item) }); }),
        list(t('修改的元素'), diff.changed, 'diff-changed', function (item) {
          return h('li', { 'data-element': item.id }, [h('strong', { text: label(item) }),
            h('ul', {}, item.changes.map(function (c) { return h('li', { text: changeText(c) }); }))]);
        }),
        list(t('决策规则的修改'), rules, 'diff-rules', function (rule) { return h('li', { 'data-rule': rule.id, text: rule.text }); }),
        diff.forms.length ? h('p', { text: t('修改的表单：') + diff.forms.join(', ') }) : null
      ].filter(Boolean);
    }

    /* ------------------------------------------------------------ the review before deploying */
    function review() {
      return ctx.collect().then(function (draft) {
        return post(config.diffUrl, draft.form()).then(function (answer) {
          if (answer.status === 422 && answer.body.errors) { close(); return ctx.showProblems(answer.body.errors); }
          if (answer.status !== 200) { return ctx.showError(t('部署失败：') + (answer.body.message || answer.status)); }
          if (answer.body.unchanged) { close(); return ctx.unchanged(); }
          open(draft, answer.body);
        });
      });
    }
    function open(draft, diff) {
      current = { draft: draft, diff: diff };
      clearMarks();
      mark(diff.added, 'ac-added');
      mark(diff.changed, 'ac-changed');
      ctx.resultBox('review', [h('p', { text: t('请检查修改，填写变更说明后确认部署。') })]);
      panel.hidden = false;
      var body = panel.querySelector('[data-review-body]');
      body.innerHTML = '';
      summary(diff).forEach(function (node) { body.append(node); });
      panel.querySelector('[data-testid=dry-run-results]').innerHTML = '';
      panel.querySelector('#change-note').focus();
    }
    function close() {
      current = null;
      panel.hidden = true;
      clearMarks();
    }
    function confirm(replace) {
      if (!current) { return Promise.resolve(); }
      var note = panel.querySelector('#change-note').value.trim();
      if (!note) {
        panel.querySelector('[data-note-missing]').hidden = false;
        panel.querySelector('#change-note').focus();
        return Promise.resolve();
      }
      panel.querySelector('[data-note-missing]').hidden = true;
      var form = current.draft.form();
      form.append('note', note);
      if (replace) { form.append('replace', 'true'); }
      var sent = current.draft.sent;
      return post(config.deployUrl, form).then(function (answer) {
        if (answer.status === 201) {
          panel.querySelector('#change-note').value = '';
          close();
          return ctx.deployed(answer.body, sent);
        }
        var errors = answer.body.errors || [];
        var foreign = errors.length === 1 && /already belongs to/.test(errors[0].problem);
        if (answer.status === 422 && foreign && !replace &&
            global.confirm(ctx.explain(errors[0].problem) + '\n\n' + t('确认用这张图替换那个流程？'))) {
          return confirm(true);
        }
        if (answer.status === 422 && errors.length) { close(); return ctx.showProblems(errors); }
        return ctx.showError(t('部署失败：') + (answer.body.message || answer.status));
      });
    }

    /* ------------------------------------------------------------ dry run against history */
    var OUTCOMES = { same: '相同', diverged: '不同', failed: '失败' };
    function dryRun() {
      if (!current) { return Promise.resolve(); }
      var box = panel.querySelector('[data-testid=dry-run-results]');
      box.innerHTML = '';
      box.append(h('p', { text: t('正在用历史案件试运行…') }));
      var form = current.draft.form();
      form.append('limit', panel.querySelector('#dry-run-limit').value || '20');
      return post(config.dryRunUrl, form).then(function (answer) {
        box.innerHTML = '';
        if (answer.status !== 200) {
          box.append(h('p', { class: 'notice notice-error', text: t('试运行失败：') + (answer.body.message || answer.status) }));
          return;
        }
        var items = answer.body.items;
        var counts = { same: 0, diverged: 0, failed: 0 };
        items.forEach(function (item) { counts[item.outcome] += 1; });
        box.append(h('p', { 'data-testid': 'dry-run-summary', text: t('{n} 个已结束的案件：{same} 个相同，{diverged} 个不同，{failed} 个失败。',
          { n: items.length, same: counts.same, diverged: counts.diverged, failed: counts.failed }) }));
        box.append(h('table', { class: 'datalist dry-run' }, [h('tbody', {}, items.map(function (item) {
          var at = item.at && item.at.element_id ? (item.at.name || item.at.element_id) : '';
          return h('tr', { 'data-instance': item.instance_id, 'data-outcome': item.outcome }, [
            h('td', { translate: 'no', text: item.case_number || '#' + item.instance_id }),
            h('td', {}, [h('span', { class: 'badge outcome-' + item.outcome, text: t(OUTCOMES[item.outcome]) })]),
            h('td', { text: at }),
            h('td', { class: 'detail', text: item.detail })
          ]);
        }))]));
      });
    }

    /* ------------------------------------------------------------ decision test */
    function decisionForm(name, pane) {
      var host = document.querySelector('[data-testid=decision-test]');
      var fields = host.querySelector('[data-decision-inputs]');
      host.hidden = false;
      host.dataset.file = name;
      return ctx.currentText(name).then(function (xml) {
        var form = new FormData();
        form.append('file', new Blob([xml], { type: 'application/xml' }), name);
        return post(config.decisionTestUrl, form);
      }).then(function (answer) {
        fields.innerHTML = '';
        host.querySelector('[data-decision-result]').innerHTML = '';
        if (answer.status !== 200) { return; }
        host.dataset.decision = answer.body.decision;
        answer.body.inputs.forEach(function (input, index) {
          var variable = input.variable || answer.body.variables[index];
          if (!variable) { return; }
          var control = input.type === 'boolean'
            ? h('select', { 'data-variable': variable, 'data-type': 'boolean' }, [
              h('option', { value: 'true', text: t('是') }), h('option', { value: 'false', text: t('否') })])
            : h('input', { 'data-variable': variable, type: 'text', inputmode: input.type === 'number' ? 'decimal' : null });
          fields.append(h('div', { class: 'field' }, [h('label', { text: input.label || variable }), control]));
        });
        pane.dataset.decisionReady = 'true';
      });
    }
    function runDecision() {
      var host = document.querySelector('[data-testid=decision-test]');
      var name = host.dataset.file;
      var inputs = {};
      host.querySelectorAll('[data-variable]').forEach(function (control) {
        inputs[control.dataset.variable] = control.dataset.type === 'boolean' ? control.value === 'true' : control.value;
      });
      var out = host.querySelector('[data-decision-result]');
      return ctx.currentText(name).then(function (xml) {
        var form = new FormData();
        form.append('file', new Blob([xml], { type: 'application/xml' }), name);
        form.append('decision', host.dataset.decision || '');
        form.append('inputs', JSON.stringify(inputs));
        return post(config.decisionTestUrl, form);
      }).then(function (answer) {
        out.innerHTML = '';
        document.querySelectorAll('.dmn-fired').forEach(function (cell) { cell.classList.remove('dmn-fired'); });
        if (answer.status !== 200) {
          var why = answer.body.errors ? JSON.stringify(answer.body.errors) : (answer.body.message || answer.status);
          out.append(h('p', { class: 'notice notice-error', text: t('无法判断：') + why }));
          return;
        }
        var body = answer.body;
        if (!body.fired.length) { out.append(h('p', { 'data-testid': 'decision-fired', text: t('没有规则匹配。') })); return; }
        var first = body.matched.filter(function (rule) { return body.fired.indexOf(rule.id) >= 0; });
        out.append(h('p', { 'data-testid': 'decision-fired', 'data-rule': body.fired.join(' '),
          text: t('命中规则：') + first.map(function (rule) { return '#' + rule.row + ' ' + (rule.description || rule.id); }).join('；') }));
        out.append(h('dl', { class: 'props-other', 'data-testid': 'decision-outputs' }, Object.keys(body.result).reduce(function (all, key) {
          return all.concat([h('dt', { text: key }), h('dd', { 'data-output': key, translate: 'no', text: JSON.stringify(body.result[key]) })]);
        }, [])));
        body.fired.forEach(function (id) {
          document.querySelectorAll('[data-pane="' + name + '"] [data-row-id="' + id + '"]').forEach(function (cell) { cell.classList.add('dmn-fired'); });
        });
      });
    }

    panel.querySelector('[data-action=confirm-deploy]').addEventListener('click', function () { confirm(false); });
    panel.querySelector('[data-action=cancel-review]').addEventListener('click', function () { close(); ctx.resultBox('none', []); });
    panel.querySelector('[data-action=dry-run]').addEventListener('click', dryRun);
    document.querySelector('[data-action=decision-run]').addEventListener('click', runDecision);
    return { review: review, close: close, decisionForm: decisionForm };
  }

  global.AftercareReview = { create: create };
}(window));
