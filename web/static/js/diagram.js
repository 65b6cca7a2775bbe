/* Draws a BPMN diagram with the bpmn-js viewer (served from /vendor: load bpmn-navigated-viewer
   or bpmn-viewer before this file) and marks element ids as completed / active / waiting / error,
   and one as `current` (outlined: the element a replay step is about).
   Used by the case page and the auditors' replay and report:

     AftercareDiagram.render(container, xml, {completed: [...], active: [...]}).then(function (viewer) {
       AftercareDiagram.followResize(viewer);      // refit when the window changes size
       AftercareDiagram.mark(viewer, nextMarks);   // e.g. step through a replay
     });

   Any element with `data-bpmn-diagram` and `data-xml-url` (and optional JSON `data-marks`) is
   drawn on page load; when done it gets `data-ready="true"` and `AftercareDiagram.viewers` holds it.
   The page keeps scrolling over the diagram; drag to pan, and the +, − and fit buttons zoom (their
   labels come from data-zoom-in / data-zoom-out / data-zoom-fit on the container). */
(function (global) {
  'use strict';
  var CLASSES = { completed: 'ac-completed', active: 'ac-active', waiting: 'ac-waiting', error: 'ac-error',
    current: 'ac-current' };

  function mark(viewer, marks) {
    var canvas = viewer.get('canvas');
    var registry = viewer.get('elementRegistry');
    registry.getAll().forEach(function (element) {
      Object.keys(CLASSES).forEach(function (kind) { canvas.removeMarker(element.id, CLASSES[kind]); });
    });
    var applied = {};
    Object.keys(CLASSES).forEach(function (kind) {
      ((marks || {})[kind] || []).forEach(function (id) {
        if (registry.get(id)) {
          canvas.addMarker(id, CLASSES[kind]);
          applied[id] = kind;
        }
      });
    });
    return applied;
  }

  function button(label, text, action) {
    var b = document.createElement('button');
    b.type = 'button'; b.textContent = text; b.title = label; b.setAttribute('aria-label', label);
    b.addEventListener('click', action);
    return b;
  }

  function addZoomButtons(container, viewer) {
    var canvas = viewer.get('canvas');
    var tools = document.createElement('div');
    tools.className = 'diagram-tools';
    var step = function (factor) { canvas.zoom(canvas.zoom() * factor, 'auto'); };
    tools.append(
      button(container.dataset.zoomIn || 'Zoom in', '+', function () { step(1.25); }),
      button(container.dataset.zoomOut || 'Zoom out', '\u2212', function () { step(0.8); }),
      button(container.dataset.zoomFit || 'Fit', '\u2922', function () { canvas.zoom('fit-viewport', 'auto'); }));
    container.appendChild(tools);
  }

  function render(container, xml, marks) {
    if (!global.BpmnJS) { return Promise.reject(new Error('bpmn-js is not loaded')); }
    container.innerHTML = '';
    var viewer = new global.BpmnJS({ container: container, zoomScroll: { enabled: false } });
    return viewer.importXML(xml).then(function () {
      var canvas = viewer.get('canvas');
      canvas.zoom('fit-viewport', 'auto');
      mark(viewer, marks);
      addZoomButtons(container, viewer);
      container.dataset.ready = 'true';
      return viewer;
    });
  }

  function followResize(viewer) {
    global.addEventListener('resize', function () {
      viewer.get('canvas').resized();
      viewer.get('canvas').zoom('fit-viewport', 'auto');
    });
    return viewer;
  }

  function init(container) {
    var marks = {};
    try { marks = JSON.parse(container.dataset.marks || '{}'); } catch (e) { marks = {}; }
    return fetch(container.dataset.xmlUrl, { credentials: 'same-origin' })
      .then(function (response) {
        if (!response.ok) { throw new Error(response.status + ' ' + response.statusText); }
        return response.text();
      })
      .then(function (xml) { return render(container, xml, marks); })
      .then(function (viewer) {
        api.viewers.push(viewer);
        return followResize(viewer);
      })
      .catch(function (error) {
        container.dataset.ready = 'error';
        var note = document.createElement('p');
        note.className = 'diagram-fallback muted';
        note.textContent = error.message;
        container.appendChild(note);
      });
  }

  var api = { render: render, mark: mark, followResize: followResize, init: init, viewers: [], classes: CLASSES };
  global.AftercareDiagram = api;
  function start() { document.querySelectorAll('[data-bpmn-diagram][data-xml-url]').forEach(init); }
  if (document.readyState === 'loading') { document.addEventListener('DOMContentLoaded', start); } else { start(); }
})(window);
