/* "Where cases wait": draws a process version through diagram.js (AftercareDiagram.init) and puts on
   each step the number of open cases there — a link to the list of those cases. Reads from the
   container: data-xml-url, data-counts ({element: {tasks, suspended, timers, failed, total, name}}),
   data-link (the page to open with ?element=), and the words of the tooltip (data-*-label); sets
   data-counted="true" once the counts are on the diagram. */
(function (global) {
  'use strict';

  function tooltip(container, count) {
    var parts = [];
    [['tasks', 'tasksLabel'], ['suspended', 'suspendedLabel'], ['timers', 'timersLabel'], ['failed', 'failedLabel']]
      .forEach(function (pair) {
        if (count[pair[0]]) { parts.push(count[pair[0]] + ' ' + (container.dataset[pair[1]] || pair[0])); }
      });
    return count.name + ': ' + parts.join(', ');
  }

  function badge(container, element, count) {
    var link = document.createElement('a');
    link.className = 'waiting-count' + (count.failed ? ' has-failed' : '') + (count.suspended && !count.tasks ? ' is-held' : '');
    link.href = container.dataset.link + '?element=' + encodeURIComponent(element) + '#cases';
    link.textContent = String(count.total);
    link.title = tooltip(container, count);
    link.setAttribute('aria-label', link.title);
    link.dataset.element = element;
    return link;
  }

  function draw(container) {
    var counts = {};
    try { counts = JSON.parse(container.dataset.counts || '{}'); } catch (e) { counts = {}; }
    var marks = { active: [], error: [] };
    Object.keys(counts).forEach(function (id) {
      if (counts[id].failed) { marks.error.push(id); } else if (counts[id].total) { marks.active.push(id); }
    });
    container.dataset.marks = JSON.stringify(marks);
    return global.AftercareDiagram.init(container).then(function (viewer) {
      if (!viewer) { return null; }  // diagram.js said why in the container
      var overlays = viewer.get('overlays');
      var registry = viewer.get('elementRegistry');
      Object.keys(counts).forEach(function (id) {
        if (counts[id].total && registry.get(id)) {
          overlays.add(id, 'waiting-count', { position: { top: -12, right: 12 }, html: badge(container, id, counts[id]) });
        }
      });
      viewer.get('eventBus').on('element.click', function (event) {
        var id = event.element && event.element.id;
        if (counts[id] && counts[id].total) { global.location.href = badge(container, id, counts[id]).href; }
      });
      container.dataset.counted = 'true';
      return viewer;
    });
  }

  function start() { document.querySelectorAll('[data-waiting-diagram][data-xml-url]').forEach(draw); }
  if (document.readyState === 'loading') { document.addEventListener('DOMContentLoaded', start); } else { start(); }
})(window);
