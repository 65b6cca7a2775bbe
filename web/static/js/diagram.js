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
   labels come from data-zoom-in / data-zoom-out / data-zoom-fit on the container). A diagram too
   big to read whole opens at a legible scale (LEGIBLE) centred on the current step (the `current`
   marks, else the `active` ones); the full-screen button (data-zoom-full) spreads it over the
   whole window, and Escape or the button again brings it back. */
(function (global) {
  'use strict';
  var LEGIBLE = 0.9; /* below this the 12px labels of bpmn-js are too small to read */
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

  /* Zoom to fit; if that leaves the labels too small, zoom to a legible scale centred on the
     current step. Returns the element ids it centred on. */
  function focus(viewer, marks) {
    var canvas = viewer.get('canvas');
    var registry = viewer.get('elementRegistry');
    canvas.zoom('fit-viewport', 'auto');
    marks = marks || viewer.__acMarks || {};
    var ids = (marks.current && marks.current.length ? marks.current : marks.active) || [];
    var shapes = ids.map(function (id) { return registry.get(id); }).filter(function (e) { return e && e.width; });
    if (!shapes.length || canvas.zoom() >= LEGIBLE) { return []; }
    var left = Math.min.apply(null, shapes.map(function (e) { return e.x; }));
    var top = Math.min.apply(null, shapes.map(function (e) { return e.y; }));
    var right = Math.max.apply(null, shapes.map(function (e) { return e.x + e.width; }));
    var bottom = Math.max.apply(null, shapes.map(function (e) { return e.y + e.height; }));
    var size = canvas.getSize();
    var width = size.width / LEGIBLE, height = size.height / LEGIBLE;
    canvas.viewbox({ x: (left + right) / 2 - width / 2, y: (top + bottom) / 2 - height / 2, width: width,
      height: height });
    return shapes.map(function (e) { return e.id; });
  }

  function toggleFull(container, viewer, force) {
    var full = force === undefined ? !container.classList.contains('diagram-full') : force;
    container.classList.toggle('diagram-full', full);
    document.documentElement.classList.toggle('has-diagram-full', full);
    viewer.get('canvas').resized();
    focus(viewer);
    if (full) { container.focus(); }
  }

  function addZoomButtons(container, viewer) {
    var canvas = viewer.get('canvas');
    var tools = document.createElement('div');
    tools.className = 'diagram-tools';
    var step = function (factor) { canvas.zoom(canvas.zoom() * factor, 'auto'); };
    tools.append(
      button(container.dataset.zoomIn || 'Zoom in', '+', function () { step(1.25); }),
      button(container.dataset.zoomOut || 'Zoom out', '\u2212', function () { step(0.8); }),
      button(container.dataset.zoomFit || 'Fit', '\u2922', function () { canvas.zoom('fit-viewport', 'auto'); }),
      button(container.dataset.zoomFull || 'Full screen', '\u26F6', function () { toggleFull(container, viewer); }));
    tools.lastChild.setAttribute('data-diagram-full', '');
    container.setAttribute('tabindex', '-1');
    container.addEventListener('keydown', function (e) {
      if (e.key === 'Escape' && container.classList.contains('diagram-full')) { toggleFull(container, viewer, false); }
    });
    container.appendChild(tools);
  }

  function render(container, xml, marks) {
    if (!global.BpmnJS) { return Promise.reject(new Error('bpmn-js is not loaded')); }
    container.innerHTML = '';
    var viewer = new global.BpmnJS({ container: container, zoomScroll: { enabled: false } });
    return viewer.importXML(xml).then(function () {
      viewer.__acMarks = marks || {};
      mark(viewer, marks);
      container.dataset.focused = focus(viewer, marks).join(' ');
      addZoomButtons(container, viewer);
      container.dataset.ready = 'true';
      return viewer;
    });
  }

  function followResize(viewer) {
    global.addEventListener('resize', function () {
      viewer.get('canvas').resized();
      focus(viewer);
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

  /* a replay step: mark it and bring it into view */
  function show(viewer, marks) {
    viewer.__acMarks = marks || {};
    var applied = mark(viewer, marks);
    focus(viewer, marks);
    return applied;
  }

  var api = { render: render, mark: mark, show: show, focus: focus, followResize: followResize, init: init,
    viewers: [], classes: CLASSES, legible: LEGIBLE };
  global.AftercareDiagram = api;
  function start() { document.querySelectorAll('[data-bpmn-diagram][data-xml-url]').forEach(init); }
  if (document.readyState === 'loading') { document.addEventListener('DOMContentLoaded', start); } else { start(); }
})(window);
