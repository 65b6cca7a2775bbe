/* bpmn-js and dmn-js speak the page's language: a `translate` module (the libraries' documented
   way: every control text goes through translate(template, replacements)) with the Chinese of the
   palette, context pad, replace menu, search and the decision-table editor. English pages keep the
   libraries' own words. Load before modeler.js; it hands `AftercareTranslate.modules` to both editors. */
(function (global) {
  'use strict';
  var ZH = {
    /* palette and tools */
    'Activate hand tool': '激活抓手工具', 'Activate the hand tool': '激活抓手工具',
    'Activate lasso tool': '激活套索工具', 'Activate the lasso tool': '激活套索工具',
    'Activate create/remove space tool': '激活创建/删除空间工具',
    'Activate the create/remove space tool': '激活创建/删除空间工具',
    'Activate global connect tool': '激活全局连接工具', 'Activate the global connect tool': '激活全局连接工具',
    'Create start event': '创建开始事件', 'Create intermediate/boundary event': '创建中间/边界事件',
    'Create end event': '创建结束事件', 'Create gateway': '创建网关', 'Create task': '创建任务',
    'Create data object reference': '创建数据对象引用', 'Create data store reference': '创建数据存储引用',
    'Create expanded sub-process': '创建展开的子流程', 'Create pool/participant': '创建泳池/参与者',
    'Create group': '创建分组', 'Create StartEvent': '创建开始事件', 'Create EndEvent': '创建结束事件',
    'Create Task': '创建任务', 'Create Gateway': '创建网关', 'Create element': '创建元素',
    /* context pad */
    'Append end event': '追加结束事件', 'Append gateway': '追加网关', 'Append task': '追加任务',
    'Append intermediate/boundary event': '追加中间/边界事件', 'Append text annotation': '追加文本注释',
    'Append compensation activity': '追加补偿活动', 'Append element': '追加元素', 'Append {type}': '追加{type}',
    'Change type': '更改类型', 'Change element': '更改元素', 'Delete': '删除', 'Remove': '删除',
    'Connect using sequence/message flow or association': '用顺序流/消息流或关联连接',
    'Connect using association': '用关联连接', 'Connect using data input association': '用数据输入关联连接',
    'Connect to other element': '连接到其他元素', 'Add text annotation': '添加文本注释',
    'Add lane above': '在上方添加泳道', 'Add lane below': '在下方添加泳道',
    'Divide into two lanes': '拆分为两条泳道', 'Divide into three lanes': '拆分为三条泳道',
    'Set color': '设置颜色',
    /* replace menu and element names */
    'Start event': '开始事件', 'Intermediate throw event': '中间抛出事件', 'End event': '结束事件',
    'Message start event': '消息开始事件', 'Timer start event': '定时开始事件',
    'Conditional start event': '条件开始事件', 'Signal start event': '信号开始事件',
    'Message intermediate catch event': '消息中间捕获事件', 'Timer intermediate catch event': '定时中间捕获事件',
    'Message end event': '消息结束事件', 'Error end event': '错误结束事件', 'Terminate end event': '终止结束事件',
    'Escalation end event': '升级结束事件', 'Signal end event': '信号结束事件',
    'Task': '任务', 'User task': '用户任务', 'Service task': '服务任务', 'Script task': '脚本任务',
    'Business rule task': '业务规则任务', 'Send task': '发送任务', 'Receive task': '接收任务',
    'Manual task': '手工任务', 'Call activity': '调用活动', 'Sub-process': '子流程',
    'Sub-process (collapsed)': '子流程（折叠）', 'Sub-process (expanded)': '子流程（展开）',
    'Transaction': '事务', 'Event sub-process': '事件子流程',
    'Exclusive gateway': '排他网关', 'Parallel gateway': '并行网关', 'Inclusive gateway': '包容网关',
    'Complex gateway': '复杂网关', 'Event-based gateway': '事件网关',
    'Sequence flow': '顺序流', 'Default flow': '默认流', 'Conditional flow': '条件流',
    'Parallel multi-instance': '并行多实例', 'Sequential multi-instance': '串行多实例', 'Loop': '循环',
    'Pool': '泳池', 'Lane': '泳道', 'Participant': '参与者', 'Group': '分组', 'Text annotation': '文本注释',
    'Data object reference': '数据对象引用', 'Data store reference': '数据存储引用',
    'Search in diagram': '在图中搜索', 'Search': '搜索', 'No results': '无结果',
    'Expanded pool/participant': '展开的泳池/参与者', 'Empty pool/participant': '空泳池/参与者',
    /* dmn-js */
    'Add Rule': '添加规则', 'Add rule': '添加规则', 'Add Input': '添加输入', 'Add Output': '添加输出',
    'Add Input Column': '添加输入列', 'Add Output Column': '添加输出列', 'Add input': '添加输入',
    'Add output': '添加输出', 'Delete Rule': '删除规则', 'Delete rule': '删除规则',
    'Delete Input': '删除输入', 'Delete Output': '删除输出', 'Add Rule Above': '在上方添加规则',
    'Add Rule Below': '在下方添加规则', 'Copy Rule Above': '复制到上方', 'Copy Rule Below': '复制到下方',
    'Add Input Left': '在左侧添加输入', 'Add Input Right': '在右侧添加输入',
    'Add Output Left': '在左侧添加输出', 'Add Output Right': '在右侧添加输出',
    'Hit Policy': '命中策略', 'Hit policy': '命中策略', 'Input': '输入', 'Output': '输出',
    'Inputs': '输入', 'Outputs': '输出', 'Annotation': '注释', 'Annotations': '注释',
    'Input Expression': '输入表达式', 'Input Label': '输入标签', 'Output Label': '输出标签',
    'Output Name': '输出名称', 'Type': '类型', 'Expression': '表达式', 'Expression Language': '表达式语言',
    'Input Values': '输入值', 'Output Values': '输出值', 'Predefined Values': '预定义值',
    'View DRD': '查看决策需求图', 'Decision Table': '决策表', 'Literal Expression': '字面量表达式',
    'Edit string': '编辑字符串', 'Edit number': '编辑数字', 'Edit date': '编辑日期', 'Edit boolean': '编辑布尔值',
    'Match one': '匹配一个', 'Match any': '匹配任意', 'Cancel': '取消', 'Save': '保存',
    'Rule': '规则', 'Rules': '规则', 'Cell': '单元格', 'Column': '列', 'Row': '行'
  };

  function translate(template, replacements) {
    var lang = (document.documentElement.getAttribute('lang') || 'zh').toLowerCase();
    var text = lang.indexOf('zh') === 0 && Object.prototype.hasOwnProperty.call(ZH, template) ? ZH[template] : template;
    return text.replace(/{([^}]+)}/g, function (_, key) {
      var value = (replacements || {})[key];
      return value === undefined ? '{' + key + '}' : (ZH[value] && lang.indexOf('zh') === 0 ? ZH[value] : value);
    });
  }

  global.AftercareTranslate = { translate: translate, words: ZH, modules: [{ translate: ['value', translate] }] };
})(window);
