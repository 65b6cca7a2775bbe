/* Replay of a case: a step control (first / back / forward / last and a slider) that marks the
 * case's pinned diagram (drawn by diagram.js, loaded before this file) as it stood after each event,
 * with the event's element outlined and the case data at that point.
 * The same script draws the final state on the printable report (config.mode === "report").
 * Everything shown comes from the API as text (textContent), never as HTML. */
(function () {
  "use strict";

  var config = JSON.parse(document.getElementById("replay-config").textContent);
  var labels = config.labels || {};
  var names = config.names || {};
  var fields = config.fields || {};
  var viewer = null;

  function word(key) { return labels[key] || key; }

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) { node.setAttribute(name, attrs[name]); });
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  }

  function show(value) {
    if (value === null || value === undefined) { return "—"; }
    if (value === true) { return word("是"); }
    if (value === false) { return word("否"); }
    if (typeof value === "object") { return JSON.stringify(value); }
    return String(value);
  }

  function localTime(iso) {
    try {
      /* the Swedish locale writes ISO-like "2026-03-02 09:00:00", as the server-rendered pages do */
      return new Date(iso).toLocaleString("sv-SE", { timeZone: config.timezone || "Asia/Shanghai" });
    } catch (err) {
      return iso;
    }
  }

  /* ---------------------------------------------------------------- the diagram (drawn by diagram.js) */
  function draw() {
    var box = document.getElementById("replay-diagram");
    if (!box) { return Promise.resolve(); }
    if (!config.xml || config.xml.indexOf("BPMNDiagram") < 0 || !window.AftercareDiagram) {
      box.appendChild(el("p", { "class": "diagram-missing" }, word("此流程图没有图形信息，仅显示步骤。")));
      return Promise.resolve();
    }
    return window.AftercareDiagram.render(box, config.xml, {}).then(function (drawn) {
      viewer = window.AftercareDiagram.followResize(drawn);
    }).catch(function (err) {
      viewer = null;
      box.appendChild(el("p", { "class": "diagram-missing" }, word("无法显示流程图：") + err.message));
    });
  }

  function mark(state, currentElement) {
    if (!viewer) { return; }
    window.AftercareDiagram.show(viewer, {
      completed: state.completed, active: state.active, waiting: state.waiting, error: state.error,
      current: currentElement ? [currentElement] : []
    });
  }

  /* ---------------------------------------------------------------- the side panel */
  function row(table, cells, className) {
    var tr = el("tr", className ? { "class": className } : {});
    cells.forEach(function (cell, i) { tr.appendChild(el(i === 0 ? "th" : "td", {}, cell)); });
    table.appendChild(tr);
  }

  /* the page's own step endpoint says everything in people's words (`display`); the API's raw
     fields are the fallback */
  function renderEvent(event, display) {
    display = display || {};
    var box = document.getElementById("replay-event");
    box.textContent = "";
    var facts = el("dl", { "class": "event-facts" });
    [[word("步骤"), event.seq], [word("时间"), display.at || localTime(event.at)],
      [word("操作人"), display.actor || event.actor],
      [word("事件"), (labels.events || {})[event.type] || event.type],
      [word("环节"), display.element || event.element_name || names[event.element_id] || "—"]
    ].forEach(function (pair) {
      facts.appendChild(el("dt", {}, pair[0]));
      facts.appendChild(el("dd", {}, pair[1]));
    });
    box.appendChild(facts);
    if (event.categories.indexOf("approval") >= 0) {
      var approval = el("div", { "class": "approval", "data-testid": "approval" });
      var decision = typeof event.decision === "boolean" ? word(event.decision ? "同意" : "不同意")
        : (display.decision || show(event.decision));
      approval.appendChild(el("p", {}, word("审批结果") + "：" + decision));
      if (event.comment) {
        var p = el("p", {}, word("审批意见") + "：");
        p.appendChild(el("q", { "class": "comment", "data-testid": "comment" }, event.comment));
        approval.appendChild(p);
      }
      box.appendChild(approval);
    }
    var changes = display.changes || event.changes.map(function (c) {
      var own = (config.formFields || {})[(event.data || {}).form] || {};
      return { label: own[c.field] || fields[c.field] || c.field, before: show(c.before), after: show(c.after),
        changed: c.changed };
    });
    if (changes.length) {
      var table = el("table", { "class": "changes" });
      row(table, [word("字段"), word("修改前"), word("修改后")]);
      changes.forEach(function (c) { row(table, [c.label, c.before, c.after], c.changed ? "changed" : "same"); });
      box.appendChild(table);
    } else if (display.detail) {
      box.appendChild(el("p", { "class": "raw" }, display.detail));
    }
  }

  function renderData(data, shown) {
    var body = document.querySelector("#replay-data tbody");
    body.textContent = "";
    var rows = shown || Object.keys(data || {}).sort().map(function (key) { return [fields[key] || key, show(data[key])]; });
    if (!rows.length) { row(body, [word("无"), ""]); }
    rows.forEach(function (pair) { row(body, pair); });
  }

  /* ---------------------------------------------------------------- the step control */
  function stepper() {
    var slider = document.getElementById("replay-slider");
    var position = document.getElementById("replay-position");
    var buttons = document.querySelectorAll("[data-go]");
    var cache = {};
    var current = 0;

    function fetchStep(step) {
      if (!cache[step]) {
        cache[step] = fetch(config.api + "?step=" + step, {
          credentials: "same-origin", headers: { "Accept": "application/json" }
        }).then(function (response) {
          return response.json().then(function (body) {
            if (!response.ok) { delete cache[step]; throw new Error(body.message || response.status); }
            return body;
          });
        });
      }
      return cache[step];
    }

    function go(step) {
      step = Math.max(1, Math.min(config.steps, step));
      current = step;
      slider.value = step;
      position.textContent = step + " / " + config.steps;
      buttons.forEach(function (b) {
        var back = b.dataset.go === "first" || b.dataset.go === "back";
        b.disabled = back ? step <= 1 : step >= config.steps;
      });
      return fetchStep(step).then(function (state) {
        if (step !== current) { return; } /* a later click won */
        renderEvent(state.event, state.display);
        renderData(state.data, (state.display || {}).data);
        mark(state, state.event.element_id);
        document.querySelector(".replay").dataset.step = String(step);
        history.replaceState(null, "", "?step=" + step);
      }).catch(function (err) {
        document.getElementById("replay-event").textContent = word("加载失败：") + err.message;
      });
    }

    var moves = {
      first: function () { return 1; }, back: function () { return current - 1; },
      forward: function () { return current + 1; }, last: function () { return config.steps; }
    };
    buttons.forEach(function (b) { b.addEventListener("click", function () { go(moves[b.dataset.go]()); }); });
    slider.addEventListener("input", function () { go(Number(slider.value)); });
    document.addEventListener("keydown", function (e) {
      if (e.target && /^(INPUT|SELECT|TEXTAREA)$/.test(e.target.tagName) && e.target !== slider) { return; }
      var keys = { ArrowLeft: "back", ArrowRight: "forward", Home: "first", End: "last" };
      if (keys[e.key] && e.target !== slider) { e.preventDefault(); go(moves[keys[e.key]]()); }
    });
    return go(config.start || 1);
  }

  draw().then(function () {
    if (config.mode === "report") {
      if (config.final) { mark(config.final, null); }
      return;
    }
    stepper();
  });
}());
