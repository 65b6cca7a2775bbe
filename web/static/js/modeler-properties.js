/* The editor's properties panel: what the engine reads from a diagram element and bpmn-js does not
   show — the SpiffWorkflow extension properties (form / assignee / due on user tasks, form / starters
   on the start event), conditions and the default flow of gateways, timer expressions, the decision
   a business rule task calls, service operators and scripts. Changes go through bpmn-js's modeling
   commands, so they can be undone and are exported with the diagram.

     var panel = AftercareProperties.create({modeler, container, t, forms, roles, decisions});

   `AftercareProperties.SPIFFWORKFLOW` is the moddle descriptor the modeler must be created with. */
(function (global) {
  'use strict';
  /* The engine's extension elements (engine/inspect_model.py reads them). moddle refuses an element
     of a known namespace that its descriptor does not define, so every one the diagrams use is here. */
  var SPIFFWORKFLOW = {
    name: 'SpiffWorkflow', uri: 'http://spiffworkflow.org/bpmn/schema/1.0/core', prefix: 'spiffworkflow',
    associations: [],
    types: [
      { name: 'properties', superClass: ['Element'],
        properties: [{ name: 'properties', type: 'property', isMany: true }] },
      { name: 'property', superClass: ['Element'],
        properties: [{ name: 'name', isAttr: true, type: 'String' }, { name: 'value', isAttr: true, type: 'String' }] },
      { name: 'calledDecisionId', superClass: ['Element'],
        properties: [{ name: 'value', isBody: true, type: 'String' }] },
      { name: 'serviceTaskOperator', superClass: ['Element'],
        properties: [{ name: 'id', isAttr: true, type: 'String' }, { name: 'resultVariable', isAttr: true, type: 'String' },
                     { name: 'parameterList', type: 'parameters' }] },
      { name: 'parameters', superClass: ['Element'],
        properties: [{ name: 'parameters', type: 'parameter', isMany: true }] },
      { name: 'parameter', superClass: ['Element'],
        properties: [{ name: 'id', isAttr: true, type: 'String' }, { name: 'type', isAttr: true, type: 'String' },
                     { name: 'value', isAttr: true, type: 'String' }] },
      { name: 'preScript', superClass: ['Element'], properties: [{ name: 'value', isBody: true, type: 'String' }] },
      { name: 'postScript', superClass: ['Element'], properties: [{ name: 'value', isBody: true, type: 'String' }] }
    ]
  };
  var USER_TASKS = ['bpmn:UserTask', 'bpmn:ManualTask'];
  var TYPE_WORDS = {
    'bpmn:UserTask': '用户任务', 'bpmn:ManualTask': '人工任务', 'bpmn:Task': '任务', 'bpmn:StartEvent': '开始事件',
    'bpmn:EndEvent': '结束事件', 'bpmn:IntermediateCatchEvent': '中间事件', 'bpmn:IntermediateThrowEvent': '中间事件',
    'bpmn:BoundaryEvent': '边界事件', 'bpmn:ExclusiveGateway': '排他网关', 'bpmn:ParallelGateway': '并行网关',
    'bpmn:InclusiveGateway': '包容网关', 'bpmn:EventBasedGateway': '事件网关', 'bpmn:SequenceFlow': '顺序流',
    'bpmn:ServiceTask': '服务任务', 'bpmn:ScriptTask': '脚本任务', 'bpmn:BusinessRuleTask': '业务规则任务',
    'bpmn:CallActivity': '调用活动', 'bpmn:SubProcess': '子流程', 'bpmn:Lane': '泳道（角色）', 'bpmn:Process': '流程',
    'bpmn:Participant': '参与者', 'bpmn:Collaboration': '流程'
  };
  var TIMER_KINDS = [['timeDuration', '时长'], ['timeDate', '日期时间'], ['timeCycle', '循环']];

  function h(tag, attrs, children) {
    var el = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) {
      var value = attrs[key];
      if (value === undefined || value === null || value === false) { return; }
      if (key === 'text') { el.textContent = value; } else if (key.slice(0, 2) === 'on') {
        el.addEventListener(key.slice(2), value);
      } else { el.setAttribute(key, value === true ? '' : value); }
    });
    (children || []).forEach(function (child) { if (child) { el.append(child); } });
    return el;
  }
  function is(bo, type) { return bo && bo.$instanceOf && bo.$instanceOf(type); }
  function isAny(bo, types) { return types.some(function (type) { return is(bo, type); }); }

  function create(options) {
    var modeler = options.modeler, t = options.t, container = options.container;
    var state = { selected: null, ownEdit: false };
    function service(name) { return modeler.get(name); }

    /* ---------------------------------------------------------------- SpiffWorkflow properties */
    function extensionValues(bo) {
      return (bo.extensionElements && bo.extensionElements.get('values')) || [];
    }
    function extension(bo, type) {
      return extensionValues(bo).filter(function (value) { return is(value, type); })[0];
    }
    function spiffProperties(bo) {
      var props = extension(bo, 'spiffworkflow:properties');
      var out = {};
      ((props && props.get('properties')) || []).forEach(function (p) { out[p.name] = p.value; });
      return out;
    }
    function ensureExtension(element, type, attrs) {
      var bo = element.businessObject, moddle = service('moddle'), modeling = service('modeling');
      var ext = bo.extensionElements;
      if (!ext) {
        ext = moddle.create('bpmn:ExtensionElements', { values: [] });
        modeling.updateProperties(element, { extensionElements: ext });
      }
      var found = extension(bo, type);
      if (!found) {
        found = moddle.create(type, attrs || {});
        modeling.updateModdleProperties(element, ext, { values: ext.get('values').concat([found]) });
      }
      return found;
    }
    function setSpiffProperty(element, name, value) {
      var modeling = service('modeling');
      var props = extension(element.businessObject, 'spiffworkflow:properties');
      var list = (props && props.get('properties')) || [];
      var existing = list.filter(function (p) { return p.name === name; })[0];
      if (!value) {
        if (existing) { modeling.updateModdleProperties(element, props, { properties: list.filter(function (p) { return p !== existing; }) }); }
        return;
      }
      if (existing) { modeling.updateModdleProperties(element, existing, { value: value }); return; }
      props = ensureExtension(element, 'spiffworkflow:properties', { properties: [] });
      var property = service('moddle').create('spiffworkflow:property', { name: name, value: value });
      modeling.updateModdleProperties(element, props, { properties: props.get('properties').concat([property]) });
    }
    function expression(text) {
      return text ? service('moddle').create('bpmn:FormalExpression', { body: text }) : undefined;
    }
    function edit(action) {
      state.ownEdit = true;
      try { action(); } finally { state.ownEdit = false; }
    }

    /* ---------------------------------------------------------------- the properties panel */
    function laneOf(bo) {
      var found = null;
      service('elementRegistry').filter(function (e) { return is(e.businessObject, 'bpmn:Lane'); }).forEach(function (lane) {
        if ((lane.businessObject.flowNodeRef || []).indexOf(bo) >= 0) { found = lane.businessObject; }
      });
      return found;
    }
    function field(label, control, extra) {
      var id = 'prop-' + Math.random().toString(36).slice(2, 8);
      control.id = id;
      return h('div', { class: 'field' }, [h('label', { for: id, text: label }), control].concat(extra || []));
    }
    function textInput(value, onchange, attrs) {
      var input = h('input', Object.assign({ type: 'text', value: value || '', spellcheck: 'false' }, attrs || {}));
      input.addEventListener('change', function () { onchange(input.value.trim(), input); });
      return input;
    }
    function textArea(value, onchange, attrs) {
      var area = h('textarea', Object.assign({ rows: 3, spellcheck: 'false' }, attrs || {}));
      area.value = value || '';
      area.addEventListener('change', function () { onchange(area.value.trim(), area); });
      return area;
    }
    function readonly(label, value) {
      return field(label, h('input', { type: 'text', value: value || '', readonly: true, translate: 'no' }));
    }
    function warning(text) { return h('p', { class: 'field-error', 'data-warning': '', text: text }); }

    function nameSection(element, bo) {
      return field(t('名称'), textInput(bo.name, function (value) {
        edit(function () { service('modeling').updateLabel(element, value || undefined); });
      }, { 'data-prop': 'name' }));
    }
    function laneSection(bo) {
      var lane = laneOf(bo);
      var role = lane && options.roles[lane.name || lane.id];
      var laneName = lane && (lane.name || lane.id);
      var out = [readonly(t('泳道'), lane ? laneName + (role && role !== laneName ? ' · ' + role : '') : '—')];
      if (isAny(bo, USER_TASKS) || bo.$type === 'bpmn:Task') {
        if (!lane) { out.push(warning(t('不在任何泳道中'))); } else if (!role) { out.push(warning(t('泳道不是已知的角色'))); }
      }
      return out;
    }
    function formWarning(name) {
      return name && options.forms.indexOf(name) < 0 ? warning(t('此版本没有名为“{form}”的表单，部署时会被拒绝。', { form: name })) : null;
    }
    function formSection(element, props) {
      var list = h('datalist', { id: 'form-names' }, options.forms.map(function (name) { return h('option', { value: name }); }));
      var holder = h('div');
      var input = textInput(props.form, function (value) {
        edit(function () { setSpiffProperty(element, 'form', value); });
        holder.innerHTML = '';
        var warn = formWarning(value);
        if (warn) { holder.append(warn); }
      }, { list: 'form-names', 'data-prop': 'form' });
      var warn = formWarning(props.form);
      if (warn) { holder.append(warn); }
      return field(t('表单'), input, [list, holder]);
    }
    function propertyField(element, props, name, label, hint) {
      return field(label, textInput(props[name], function (value) {
        edit(function () { setSpiffProperty(element, name, value); });
      }, { 'data-prop': name, placeholder: hint }));
    }
    function otherProperties(props, known) {
      var others = Object.keys(props).filter(function (name) { return known.indexOf(name) < 0; });
      if (!others.length) { return null; }
      return h('div', { class: 'field' }, [h('span', { class: 'label', text: t('其他属性') }),
        h('dl', { class: 'props-other', translate: 'no' }, others.reduce(function (items, name) {
          return items.concat([h('dt', { text: name }), h('dd', { text: props[name] })]);
        }, []))]);
    }
    function taskSections(element, bo) {
      var props = spiffProperties(bo);
      return [formSection(element, props),
        propertyField(element, props, 'assignee', t('处理人表达式'), t('例如 assigned_engineer')),
        propertyField(element, props, 'due', t('期限表达式'), t('例如 working_days(1, received_at)')),
        otherProperties(props, ['form', 'assignee', 'due'])];
    }
    function startSections(element, bo) {
      if (!is(bo.$parent, 'bpmn:Process')) { return []; }
      var props = spiffProperties(bo);
      return [formSection(element, props),
        propertyField(element, props, 'starters', t('可发起的角色'), t('逗号分隔的角色编号')),
        otherProperties(props, ['form', 'starters'])];
    }
    function flowSections(element, bo) {
      var source = bo.sourceRef;
      var gateway = isAny(source, ['bpmn:ExclusiveGateway', 'bpmn:InclusiveGateway']);
      if (!gateway && !bo.conditionExpression) { return []; }
      var out = [field(t('条件'), textArea(bo.conditionExpression && bo.conditionExpression.body, function (value) {
        edit(function () { service('modeling').updateModdleProperties(element, bo, { conditionExpression: expression(value) }); });
      }, { 'data-prop': 'condition', placeholder: t('例如 approved == True') }))];
      if (gateway) {
        var box = h('input', { type: 'checkbox', 'data-prop': 'default' });
        box.checked = source.default === bo;
        box.addEventListener('change', function () {
          edit(function () {  /* not updateProperties: that lays the gateway's labels out again */
            service('modeling').updateModdleProperties(element.source, source, { default: box.checked ? bo : undefined });
          });
        });
        out.push(h('label', { class: 'choice check' }, [box, h('span', { text: t('默认连线') })]));
      }
      return out;
    }
    function timerSections(element, bo) {
      var timer = (bo.eventDefinitions || []).filter(function (d) { return is(d, 'bpmn:TimerEventDefinition'); })[0];
      if (!timer) { return []; }
      var kind = TIMER_KINDS.map(function (k) { return k[0]; }).filter(function (k) { return timer[k]; })[0] || 'timeDuration';
      var select = h('select', { 'data-prop': 'timer-kind' }, TIMER_KINDS.map(function (k) {
        return h('option', { value: k[0], text: t(k[1]), selected: k[0] === kind });
      }));
      var input = textInput(timer[kind] && timer[kind].body, save, { 'data-prop': 'timer', translate: 'no' });
      function save() {
        var changes = { timeDuration: undefined, timeDate: undefined, timeCycle: undefined };
        changes[select.value] = expression(input.value.trim());
        edit(function () { service('modeling').updateModdleProperties(element, timer, changes); });
      }
      select.addEventListener('change', save);
      return [h('h3', { text: t('定时器') }), field(t('定时方式'), select),
        field(t('表达式'), input, [h('p', { class: 'help', text: t('写成表达式：文字要加引号，例如 "PT2S" 或 working_days(1, received_at)。') })])];
    }
    function decisionSections(element, bo) {
      var current = extension(bo, 'spiffworkflow:calledDecisionId');
      var list = h('datalist', { id: 'decision-ids' }, options.decisions().map(function (id) { return h('option', { value: id }); }));
      return [field(t('决策表编号'), textInput(current && current.value, function (value) {
        edit(function () {
          var node = ensureExtension(element, 'spiffworkflow:calledDecisionId', {});
          service('modeling').updateModdleProperties(element, node, { value: value });
        });
      }, { list: 'decision-ids', 'data-prop': 'decision' }), [list])];
    }
    function serviceSections(bo) {
      var operator = extension(bo, 'spiffworkflow:serviceTaskOperator');
      if (!operator) { return []; }
      var params = (operator.parameterList && operator.parameterList.get('parameters')) || [];
      return [readonly(t('服务操作'), operator.id), readonly(t('结果变量'), operator.resultVariable),
        params.length ? h('div', { class: 'field' }, [h('span', { class: 'label', text: t('参数') }),
          h('dl', { class: 'props-other', translate: 'no' }, params.reduce(function (items, p) {
            return items.concat([h('dt', { text: p.id }), h('dd', { text: p.value })]);
          }, []))]) : null];
    }
    function scriptSections(element, bo) {
      return [field(t('脚本'), textArea(bo.script, function (value) {
        edit(function () { service('modeling').updateModdleProperties(element, bo, { script: value }); });
      }, { rows: 5, 'data-prop': 'script', translate: 'no', class: 'code' }))];
    }

    function sectionsFor(element, bo) {
      if (isAny(bo, USER_TASKS) || bo.$type === 'bpmn:Task') { return taskSections(element, bo); }
      if (is(bo, 'bpmn:StartEvent')) { return startSections(element, bo).concat(timerSections(element, bo)); }
      if (is(bo, 'bpmn:SequenceFlow')) { return flowSections(element, bo); }
      if (is(bo, 'bpmn:Event')) { return timerSections(element, bo); }
      if (is(bo, 'bpmn:BusinessRuleTask')) { return decisionSections(element, bo); }
      if (is(bo, 'bpmn:ServiceTask')) { return serviceSections(bo); }
      if (is(bo, 'bpmn:ScriptTask')) { return scriptSections(element, bo); }
      return [];
    }

    function renderPanel() {
      var panel = document.getElementById('properties');
      var element = state.selected;
      panel.innerHTML = '';
      panel.append(h('h2', { text: t('属性') }));
      if (!element) {
        var top = service('canvas').getRootElement().businessObject;
        var process = is(top, 'bpmn:Collaboration') ? (top.participants[0] || {}).processRef || top : top;
        panel.append(readonly(t('类型'), t('流程')), readonly(t('编号'), process.id), readonly(t('名称'), process.name),
          h('p', { class: 'help', text: t('未选中元素时显示流程本身的属性。') }));
        return;
      }
      var bo = element.businessObject;
      panel.dataset.element = bo.id;
      var parts = [readonly(t('类型'), t(TYPE_WORDS[bo.$type] || bo.$type)), readonly(t('编号'), bo.id)];
      if (element.type !== 'label') { parts.push(nameSection(element, bo)); }
      if (is(bo, 'bpmn:FlowNode')) { parts = parts.concat(laneSection(bo)); }
      parts = parts.concat(sectionsFor(element, bo));
      parts.forEach(function (part) { if (part) { panel.append(part); } });
    }


    modeler.on('selection.changed', function (event) {
      state.selected = event.newSelection.length === 1 ? event.newSelection[0] : null;
      renderPanel();
    });
    modeler.on('elements.changed', function (event) {
      if (!state.ownEdit && state.selected && event.elements.indexOf(state.selected) >= 0) { renderPanel(); }
    });
    ['postExecuted', 'reverted'].forEach(function (phase) {  /* a new default flow is drawn with its slash */
      modeler.on('commandStack.element.updateModdleProperties.' + phase, function (event) {
        var context = event.context;
        if ('default' in (context.properties || {}) && context.element.outgoing) {
          service('eventBus').fire('elements.changed', { elements: context.element.outgoing.slice() });
        }
      });
    });
    renderPanel();
    return { render: renderPanel };
  }

  global.AftercareProperties = { SPIFFWORKFLOW: SPIFFWORKFLOW, create: create, h: h };
}(window));
