/* The process owner's editor: the bpmn-js Modeler for the diagram, dmn-js for its decision tables,
   a small properties panel for what the engine reads and bpmn-js does not show (the SpiffWorkflow
   extension properties form / assignee / due / starters, conditions, timers, called decisions), and
   "deploy", which posts the files to POST /api/v1/process-models as any API client would. The
   properties panel is modeler-properties.js (load it first).

   A file the owner did not change is sent exactly as it was deployed, so deploying without changes
   answers "unchanged" instead of a new version that differs only in XML formatting. */
(function (global) {
  'use strict';
  var config = JSON.parse(document.getElementById('modeler-config').textContent);
  var csrf = (document.querySelector('meta[name="csrf-token"]') || {}).content || '';
  var root = document.querySelector('[data-testid=modeler]');
  var h = global.AftercareProperties.h;
  var state = {
    files: {},          // file name -> {original: deployed text, baseline: first export, editor}
    active: config.mainFile,
    decisions: [],
    version: config.version
  };
  var bpmn = null;

  function t(word, values) {
    var out = config.labels[word] || word;
    Object.keys(values || {}).forEach(function (key) { out = out.split('{' + key + '}').join(String(values[key])); });
    return out;
  }
  function service(name) { return bpmn.get(name); }

  /* ---------------------------------------------------------------- files, tabs and dirty state */
  function fetchText(url) {
    return fetch(url, { credentials: 'same-origin' }).then(function (response) {
      if (!response.ok) { throw new Error(response.status + ' ' + response.statusText); }
      return response.text();
    });
  }
  function exportFile(name) {
    var file = state.files[name];
    if (!file.editor) { return Promise.resolve(file.original); }
    return file.editor.saveXML({ format: true }).then(function (result) { return result.xml; });
  }
  function currentText(name) {
    var file = state.files[name];
    return exportFile(name).then(function (xml) { return xml === file.baseline ? file.original : xml; });
  }
  function anyDirty() {
    var names = Object.keys(state.files).filter(function (name) { return state.files[name].editor; });
    return Promise.all(names.map(function (name) {
      return exportFile(name).then(function (xml) { return xml !== state.files[name].baseline; });
    })).then(function (flags) { return flags.some(Boolean) || (formsEditor !== null && formsEditor.dirty()); });
  }
  var dirtyTimer = null;
  function refreshDirty() {
    clearTimeout(dirtyTimer);
    dirtyTimer = setTimeout(function () {
      anyDirty().then(function (dirty) {
        state.dirty = dirty;
        document.getElementById('dirty-state').textContent = dirty ? t('有未部署的修改。') : t('没有修改。');
      });
    }, 250);
  }
  function decisionIds(xml) {
    var doc = new DOMParser().parseFromString(xml, 'application/xml');
    return Array.prototype.map.call(doc.getElementsByTagNameNS('*', 'decision'), function (d) { return d.getAttribute('id'); });
  }

  function openTab(name) {
    state.active = name;
    root.querySelectorAll('[data-tab]').forEach(function (tab) {
      var on = tab.dataset.tab === name;
      tab.classList.toggle('active', on);
      tab.setAttribute('aria-selected', on ? 'true' : 'false');
    });
    root.querySelectorAll('[data-pane]').forEach(function (pane) { pane.classList.toggle('active', pane.dataset.pane === name); });
    document.getElementById('properties').hidden = name !== config.mainFile;
    var isDmn = config.dmnFiles.indexOf(name) >= 0;
    document.getElementById('dmn-help').hidden = !isDmn;
    document.querySelector('[data-testid=decision-test]').hidden = !isDmn;
    if (isDmn && !state.files[name].editor) {
      return loadDmn(name).then(function () {
        return review.decisionForm(name, root.querySelector('[data-pane="' + name + '"]'));
      });
    }
    return Promise.resolve();
  }
  function loadDmn(name) {
    var pane = root.querySelector('[data-pane="' + name + '"]');
    var file = state.files[name];
    var editor = new global.DmnJS({ container: pane.querySelector('.dmn-canvas'),
      common: { additionalModules: translation() } });
    return editor.importXML(file.original).then(function () {
      var views = editor.getViews().filter(function (v) { return v.type !== 'drd'; });
      var select = pane.querySelector('[data-dmn-views]');
      select.innerHTML = '';
      views.forEach(function (view, index) {
        select.append(h('option', { value: index, text: view.element.name || view.element.id }));
      });
      pane.querySelector('.dmn-views').hidden = views.length < 2;
      select.onchange = function () { editor.open(views[+select.value]); };
      return views.length ? editor.open(views[0]) : null;
    }).then(function () {
      return editor.saveXML({ format: true });
    }).then(function (result) {
      file.editor = editor;
      file.baseline = result.xml;
      editor.on('views.changed', watchDmnView);
      watchDmnView();
      pane.dataset.ready = 'true';
      function watchDmnView() {
        var viewer = editor.getActiveViewer();
        if (viewer && !viewer.__aftercareWatched) {
          viewer.__aftercareWatched = true;
          viewer.get('eventBus').on('elements.changed', refreshDirty);
        }
      }
    }).catch(function (error) { showError(t('加载失败：') + error.message); });
  }

  /* ---------------------------------------------------------------- deploy and its answer */
  var PATTERNS = config.problems.map(function (pair) {
    return [new RegExp(pair[0].replace(/\(\?P</g, '(?<')), pair[1]];
  });
  function explain(problem) {
    for (var i = 0; i < PATTERNS.length; i += 1) {
      var match = PATTERNS[i][0].exec(problem);
      if (match) { return t(PATTERNS[i][1], match.groups || {}); }
    }
    return problem;
  }
  function resultBox(kind, children) {
    var box = document.getElementById('deploy-result');
    box.innerHTML = '';
    var tone = { created: 'notice-ok', refused: 'notice-error', failed: 'notice-error' }[kind] || 'notice-info';
    box.className = 'deploy-result notice ' + tone;
    box.dataset.outcome = kind;
    children.forEach(function (child) { box.append(child); });
  }
  function showError(message) { resultBox('failed', [h('p', { text: message })]); }
  function clearMarks() {
    var canvas = service('canvas');
    service('elementRegistry').getAll().forEach(function (e) { canvas.removeMarker(e.id, 'ac-error'); });
    root.querySelectorAll('.dmn-problem').forEach(function (cell) { cell.classList.remove('dmn-problem'); });
  }
  function dmnFileHolding(id) {
    return config.dmnFiles.filter(function (name) {
      return state.files[name].original.indexOf('id="' + id + '"') >= 0;
    })[0];
  }
  function locate(id) {
    var element = service('elementRegistry').get(id);
    if (element) {
      openTab(config.mainFile);
      service('canvas').addMarker(id, 'ac-error');
      service('selection').select(element);
      service('canvas').scrollToElement(element);
      return;
    }
    var dmn = dmnFileHolding(id);
    if (dmn) {
      openTab(dmn).then(function () {
        root.querySelectorAll('[data-pane="' + dmn + '"] [data-row-id="' + id + '"], [data-pane="' + dmn + '"] [data-element-id="' + id + '"]')
          .forEach(function (cell) { cell.classList.add('dmn-problem'); });
      });
    }
  }
  function locatable(id) { return !!(service('elementRegistry').get(id) || dmnFileHolding(id)); }
  function showProblems(problems) {
    clearMarks();
    var items = problems.map(function (p) {
      var named = p.name ? p.name + ' (' + p.element + ')' : p.element;  /* the element by name and id */
      var label = locatable(p.element)
        ? h('button', { type: 'button', class: 'link-btn', 'data-locate': p.element, title: t('点击定位到图中的元素'),
                        text: named, onclick: function () { locate(p.element); } })
        : h('code', { translate: 'no', text: named });
      return h('li', { 'data-element': p.element }, [label, h('span', { text: ' ' + explain(p.problem) })]);
    });
    resultBox('refused', [h('p', { text: t('部署被拒绝，请修改以下问题：') }), h('ul', { class: 'problems', 'data-testid': 'problems' }, items)]);
    problems.forEach(function (p) {
      if (service('elementRegistry').get(p.element)) { service('canvas').addMarker(p.element, 'ac-error'); }
    });
    var first = problems.filter(function (p) { return service('elementRegistry').get(p.element); })[0];
    if (first) { locate(first.element); }
  }
  function deployed(body, sent) {
    var version = body.version;
    clearMarks();
    Object.keys(sent).forEach(function (name) { if (state.files[name]) { state.files[name].original = sent[name]; } });
    formsEditor.saved();
    return Promise.all(Object.keys(state.files).filter(function (name) { return state.files[name].editor; })
      .map(function (name) { return exportFile(name).then(function (xml) { state.files[name].baseline = xml; }); }))
      .then(function () {
        state.version = version;
        var badge = document.querySelector('[data-testid=current-version]');
        badge.dataset.version = version;
        badge.textContent = badge.textContent.replace(/\d+/, String(version));
        var message = body.created ? t('已部署为版本 {version}。', { version: version }) : t('内容没有变化，仍是版本 {version}。', { version: version });
        resultBox(body.created ? 'created' : 'unchanged', [h('p', { text: message }), h('p', {}, [h('a', { href: config.versionsUrl, text: config.processId })])]);
        refreshDirty();
      });
  }
  function collect() {  /* the draft as deploy reads it: the files, each built into a fresh FormData */
    var names = [config.mainFile].concat(config.dmnFiles);
    var sent = {};
    return Promise.all(names.map(function (name) { return currentText(name).then(function (text) { sent[name] = text; }); }))
      .then(function () {
        var edited = formsEditor.edited();
        var formsFile = Object.keys(edited).length ? config.processId + '.forms.json' : null;
        if (formsFile) { sent[formsFile] = JSON.stringify(edited, null, 2); }
        return { sent: sent, form: function () {
          var form = new FormData();
          Object.keys(sent).forEach(function (name) {
            var type = name === formsFile ? 'application/json' : 'application/xml';
            form.append('file', new Blob([sent[name]], { type: type }), name);
          });
          return form;
        } };
      });
  }
  function unchanged() {
    clearMarks();
    resultBox('unchanged', [h('p', { text: t('内容没有变化，仍是版本 {version}。', { version: state.version }) }),
      h('p', {}, [h('a', { href: config.versionsUrl, text: config.processId })])]);
  }
  function deploy() {  /* first the review: what changes, a dry run, the note; the panel deploys */
    var button = document.querySelector('[data-action=deploy]');
    button.disabled = true;
    resultBox('pending', [h('p', { text: t('正在检查修改…') })]);
    review.review()
      .catch(function (error) { showError(t('部署失败：') + error.message); })
      .then(function () { button.disabled = false; });
  }
  function saveDraft() {  /* kept on the server for this owner; reopened with ?draft=1 */
    return collect().then(function (draft) {
      var form = draft.form();
      form.append('note', document.getElementById('change-note').value);
      return fetch(config.draftUrl, { method: 'PUT', body: form, credentials: 'same-origin',
                                      headers: { 'X-CSRFToken': csrf, Accept: 'application/json' } });
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (body) {
        if (response.ok) { resultBox('draft-saved', [h('p', { text: t('草稿已保存。') })]); return; }
        if (body.errors && body.errors.length) { showProblems(body.errors); return; }
        showError(t('保存草稿失败：') + (body.message || response.status));
      });
    }).catch(function (error) { showError(t('保存草稿失败：') + error.message); });
  }
  function importFile(event) {  /* a diagram or table from disk replaces the one being edited (undo brings it back) */
    var chosen = event.target.files[0];
    event.target.value = '';
    if (!chosen) { return; }
    var isDmn = /\.dmn$/i.test(chosen.name);
    var target = isDmn ? (config.dmnFiles.indexOf(chosen.name) >= 0 ? chosen.name : config.dmnFiles[0]) : config.mainFile;
    if (!target) { showError(t('导入失败：') + chosen.name); return; }
    chosen.text().then(function (text) {
      return openTab(target).then(function () {
        var editor = state.files[target].editor;
        return isDmn ? editor.importXML(text).then(function () {
          var views = editor.getViews().filter(function (v) { return v.type !== 'drd'; });
          return views.length ? editor.open(views[0]) : null;
        }) : editor.importXML(text).then(fit);
      });
    }).then(function () {
      refreshDirty();
      resultBox('imported', [h('p', { text: t('已导入 {name}，尚未部署。', { name: chosen.name }) })]);
    }).catch(function (error) { showError(t('导入失败：') + error.message); });
  }
  function download() {
    exportFile(state.active).then(function (xml) {
      var link = h('a', { href: URL.createObjectURL(new Blob([xml], { type: 'application/xml' })), download: state.active });
      document.body.append(link);
      link.click();
      link.remove();
    });
  }

  function translation() {  /* the editors' controls in the page's language (modeler-translate.js) */
    return global.AftercareTranslate ? global.AftercareTranslate.modules : [];
  }

  /* ---------------------------------------------------------------- start */
  function fit() {  /* the whole diagram, clear of the palette on the left (measured on the screen) */
    var canvas = service('canvas');
    canvas.zoom('fit-viewport', 'auto');
    var inner = canvas.viewbox().inner;
    var size = canvas.getSize();
    var host = document.querySelector('#bpmn-canvas');
    var palette = host.querySelector('.djs-palette');
    var free = (palette ? palette.getBoundingClientRect().right - host.getBoundingClientRect().left : 100) + 24;
    var scale = Math.min((size.width - free - 16) / inner.width, (size.height - 32) / inner.height, 1);
    if (!(scale > 0)) { return; }
    canvas.viewbox({ x: inner.x - free / scale, y: inner.y - 16 / scale, width: size.width / scale,
      height: size.height / scale });
  }

  var review = null;
  var formsEditor = null;
  function start() {
    formsEditor = global.AftercareForms.create({ config: config, t: t, h: h, csrf: csrf, explain: explain,
                                                 refreshDirty: refreshDirty });
    review = global.AftercareReview.create({
      config: config, t: t, h: h, csrf: csrf, service: service, collect: collect, currentText: currentText,
      showProblems: showProblems, showError: showError, resultBox: resultBox, deployed: deployed,
      unchanged: unchanged, explain: explain
    });
    bpmn = new global.BpmnJS({ container: '#bpmn-canvas', additionalModules: translation(),
      moddleExtensions: { spiffworkflow: global.AftercareProperties.SPIFFWORKFLOW } });
    global.AftercareModeler = { bpmn: bpmn, state: state, deploy: deploy, openTab: openTab };
    var names = Object.keys(config.sources).filter(function (name) { return name === config.mainFile || config.dmnFiles.indexOf(name) >= 0; });
    Promise.all(names.map(function (name) {
      var saved = config.draftSources[name];  /* an opened draft replaces the deployed text */
      return (saved !== undefined ? Promise.resolve(saved) : fetchText(config.sources[name])).then(function (text) {
        state.files[name] = { original: text, baseline: null, editor: null };
      });
    })).then(function () {
      config.dmnFiles.forEach(function (name) { state.decisions = state.decisions.concat(decisionIds(state.files[name].original)); });
      return bpmn.importXML(state.files[config.mainFile].original);
    }).then(function (result) {
      var diagrams = bpmn.getDefinitions().diagrams || [];
      if (!diagrams.length || !(diagrams[0].plane.planeElement || []).length) { throw new Error('no diagram to display'); }
      fit();
      if (result.warnings && result.warnings.length) {
        resultBox('warnings', result.warnings.slice(0, 5).map(function (w) { return h('p', { translate: 'no', text: w.message }); }));
      }
      return bpmn.saveXML({ format: true });
    }).then(function (result) {
      var file = state.files[config.mainFile];
      file.editor = bpmn;
      file.baseline = result.xml;
      bpmn.on('elements.changed', refreshDirty);
      global.AftercareProperties.create({
        modeler: bpmn, container: document.getElementById('properties'), t: t, forms: config.forms,
        roles: config.roles, decisions: function () { return state.decisions; }
      });
      root.dataset.ready = 'true';
    }).catch(function (error) {
      var noLayout = /no diagram to display/.test(error.message || '');
      showError(noLayout ? t('此流程图没有图形布局信息，不能在编辑器中打开；请下载文件编辑后再部署。') : t('加载失败：') + error.message);
      root.dataset.ready = 'error';
      document.querySelectorAll('[data-action]').forEach(function (button) { button.disabled = true; });
    });

    root.querySelectorAll('[data-tab]').forEach(function (tab) { tab.addEventListener('click', function () { openTab(tab.dataset.tab); }); });
    document.querySelector('[data-action=deploy]').addEventListener('click', deploy);
    document.querySelector('[data-action=download]').addEventListener('click', download);
    document.querySelector('[data-action=save-draft]').addEventListener('click', saveDraft);
    document.querySelector('[data-testid=import-file]').addEventListener('change', importFile);
    document.querySelector('[data-action=undo]').addEventListener('click', function () { activeStack().undo(); });
    document.querySelector('[data-action=redo]').addEventListener('click', function () { activeStack().redo(); });
    global.addEventListener('beforeunload', function (event) {
      if (state.dirty) { event.preventDefault(); event.returnValue = t('离开此页会丢失未部署的修改。'); }
    });
  }
  function activeStack() {
    var file = state.files[state.active];
    var editor = file && file.editor;
    if (editor === bpmn || !editor) { return service('commandStack'); }
    return editor.getActiveViewer().get('commandStack');
  }

  if (global.BpmnJS) { start(); } else { global.addEventListener('load', start); }
}(window));
