/* The version comparison page: once diagram.js has drawn the newer version, mark its added and
   changed elements (data-diff-marks: {"added": [ids], "changed": [ids]}). */
(function (global) {
  'use strict';
  var host = document.querySelector('[data-diff-marks]');
  if (!host) { return; }
  var marks = JSON.parse(host.dataset.diffMarks);
  function apply() {
    var viewer = (global.AftercareDiagram || {}).viewers && global.AftercareDiagram.viewers[0];
    if (!viewer) { setTimeout(apply, 100); return; }
    var canvas = viewer.get('canvas');
    var registry = viewer.get('elementRegistry');
    Object.keys(marks).forEach(function (kind) {
      marks[kind].forEach(function (id) { if (registry.get(id)) { canvas.addMarker(id, 'ac-' + kind); } });
    });
    host.dataset.marked = 'true';
  }
  global.addEventListener('load', apply);
}(window));
