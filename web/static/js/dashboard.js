/* The dashboard's charts (Apache ECharts, served from node_modules), drawn from the same JSON the
   API returns, embedded in the page. Every bar, point and slice opens the case list behind it.
   Without this script the page still shows every figure as a table of links. */
(function () {
  'use strict';
  var source = document.getElementById('dashboard-data');
  if (!source || !window.echarts) { return; }
  var data = JSON.parse(source.textContent);
  var figures = data.figures;
  var lang = document.documentElement.lang === 'en' ? 'EN' : 'ZH';
  var charts = [];

  function point(item, value) {
    return { value: value === undefined ? item.value : value, name: item.label, link: item.link };
  }
  function num(value) { return value === null || value === undefined ? null : parseFloat(value); }

  function draw(key, option) {
    var el = document.querySelector('[data-chart="' + key + '"]');
    if (!el) { return; }
    var chart = window.echarts.init(el, null, { locale: lang, renderer: 'svg' });
    option.tooltip = option.tooltip || { trigger: 'item', confine: true };
    option.grid = Object.assign({ left: 8, right: 12, top: 28, bottom: 8, containLabel: true }, option.grid || {});
    chart.setOption(option);
    chart.on('click', function (params) {
      var link = params.data && params.data.link;
      if (link) { window.location.href = link; }
    });
    charts.push(chart);
  }

  var labelAxis = { type: 'category', axisLabel: { width: 96, overflow: 'truncate', fontSize: 11 } };

  function bars(key, items, unit) {
    items = items.slice().reverse();
    draw(key, {
      xAxis: { type: 'value', name: unit || '' },
      yAxis: Object.assign({ data: items.map(function (i) { return i.label; }) }, labelAxis),
      series: [{ type: 'bar', data: items.map(function (i) { return point(i, num(i.value)); }), itemStyle: { color: '#1f6f8b' } }]
    });
  }

  function columns(key, items, names, unit) {
    draw(key, {
      legend: { top: 0, type: 'scroll' },
      tooltip: { trigger: 'axis', confine: true },
      xAxis: { type: 'category', data: items[0].map(function (i) { return i.label; }), axisLabel: { fontSize: 11, hideOverlap: true } },
      yAxis: { type: 'value', name: unit || '' },
      series: items.map(function (series, n) {
        return { type: 'bar', name: names[n], data: series.map(function (i) { return point(i, num(i.value)); }) };
      })
    });
  }

  bars('open_by_flow', figures.open_by_flow.items);
  bars('open_by_step', figures.open_by_step.items);
  bars('step_durations', figures.step_durations.items, 'h');
  bars('sla_compliance', figures.sla_compliance.items, '%');
  bars('overdue_by_region', figures.overdue_by_region.items);

  var rules = figures.sla_compliance.items;
  if (rules.length) {
    draw('sla_by_month', {
      legend: { top: 0, type: 'scroll' },
      tooltip: { trigger: 'axis', confine: true },
      xAxis: { type: 'category', data: rules[0].by_month.map(function (m) { return m.month.slice(2); }),
               axisLabel: { fontSize: 11, hideOverlap: true } },
      yAxis: { type: 'value', max: 100, name: '%' },
      series: rules.map(function (rule) {
        return { type: 'line', name: rule.label, connectNulls: true,
                 data: rule.by_month.map(function (m) { return point(m, num(m.value)); }) };
      })
    });
  }

  var weeks = figures.backlog.items;
  draw('backlog', {
    tooltip: { trigger: 'axis', confine: true },
    xAxis: { type: 'category', data: weeks.map(function (w) { return w.week.slice(5); }), axisLabel: { fontSize: 11, hideOverlap: true } },
    yAxis: { type: 'value' },
    series: [{ type: 'line', smooth: true, areaStyle: { opacity: 0.15 }, data: weeks.map(function (w) { return point(w); }) }]
  });

  var sat = figures.satisfaction;
  draw('satisfaction', {
    tooltip: { trigger: 'axis', confine: true },
    xAxis: { type: 'category', data: sat.distribution.map(function (d) { return d.label; }) },
    yAxis: { type: 'value', minInterval: 1 },
    series: [{ type: 'bar', data: sat.distribution.map(function (d) { return point(d); }),
               itemStyle: { color: function (p) { return p.dataIndex < 2 ? '#b42318' : '#1f6f8b'; } } }]
  });

  bars('complaints', figures.complaints.by_grade);
  draw('first_time_fix', {
    series: [{ type: 'pie', radius: ['45%', '70%'], label: { fontSize: 11 },
               data: figures.first_time_fix.items.map(function (i) { return point(i); }) }]
  });
  draw('compensation', {
    series: [{ type: 'pie', radius: '62%', label: { fontSize: 11, overflow: 'truncate', width: 90 },
               data: figures.compensation.by_party.map(function (i) { return point(i, num(i.amount)); }) }]
  });
  var classes = figures.revisit_plan.classes;
  if (classes.length) {
    columns('revisit_plan', [classes.map(function (c) { return Object.assign({}, c.due, { label: c.label }); }),
                             classes.map(function (c) { return Object.assign({}, c.done, { label: c.label }); })],
            [classes[0].due.label, classes[0].done.label]);
  }
  var engineers = figures.dispatch.engineers;
  if (engineers.length) {
    columns('dispatch', [engineers.map(function (r) { return Object.assign({}, r.open, { label: r.label }); }),
                         engineers.map(function (r) { return Object.assign({}, r.dispatched, { label: r.label }); })],
            [engineers[0].open.label, engineers[0].dispatched.label]);
  }

  var pending = null;
  window.addEventListener('resize', function () {
    clearTimeout(pending);
    pending = setTimeout(function () { charts.forEach(function (c) { c.resize(); }); }, 120);
  });
}());
