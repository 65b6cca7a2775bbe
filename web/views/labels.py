"""Words the pages show for codes (flows, statuses, event types). Each is a Chinese catalog key,
marked with `N_()` so the catalog test finds it; pages translate it with `_()` when rendering."""
from __future__ import annotations


def N_(text: str) -> str:  # noqa: N802 - the conventional name of a "translate later" marker
    return text


# The flows staff open by hand, in the order the start page shows them: (page title, what it is
# for, start-form values the page begins with).
START_PAGES = {
    "fault_handling": (N_("故障报告"), N_("客户设备出现质量故障：登记故障现象、照片，由售后分析处理"), {}),
    "installation": (N_("安装申请"), N_("按合同登记设备安装调试需求，经审批后派工程师到现场"), {}),
    "tech_support": (N_("技术咨询"), N_("客户的技术问题：电话即时解答或 8 小时内书面答复"), {}),
    "complaint": (N_("客户投诉"), N_("登记客户投诉：紧急或一般，经理限时响应，处理后与客户确认并结案"), {}),
    "compensation_approval": (N_("赔偿申请"), N_("凭客户质量函或损坏报告申请零部件赔偿，按金额逐级审批"), {}),
    "revisit": (N_("现场回访申请"), N_("申请到客户现场回访，经理签批后由工程师准备并执行"),
                {"mode": "onsite", "source": "manual"}),
    "service_appointment": (N_("预约登记"), N_("按工厂劳动状况预约客户回厂：已约满的时段给出最近的空闲时段"), {}),
    "delivery_installation": (N_("送货安装"),
                              N_("填写客户意见反馈表，安排家具送货安装；经销商送货由相关部门负责人协调"), {}),
}

FLOW_NAMES = {
    "installation": N_("设备安装调试"),
    "fault_handling": N_("质量故障处理"),
    "revisit": N_("客户回访"),
    "compensation_approval": N_("零部件赔偿"),
    "compensation_office": N_("赔偿成本核算与责任认定"),
    "tech_support": N_("技术支持"),
    "complaint": N_("客户投诉处理"),
    "service_appointment": N_("预约服务"),
    "delivery_installation": N_("送货安装"),
}

CASE_STATUS = {
    "running": N_("进行中"),
    "waiting": N_("等待中"),
    "completed": N_("已完成"),
    "cancelled": N_("已取消"),
    "error": N_("出错"),
    "suspended": N_("已暂停"),
}

TASK_STATUS = {"ready": N_("待处理"), "completed": N_("已完成"), "cancelled": N_("已取消")}

DUE_STATE = {
    "ok": N_("按时"),
    "warn": N_("即将到期"),
    "late": N_("已超期"),
    "none": N_("无期限"),
    "met": N_("按时完成"),
    "missed": N_("超期完成"),
    "cancelled": N_("已取消"),
    "unscheduled": N_("无法计算"),
}

EVENTS = {
    "instance_started": N_("创建案件"),
    "task_ready": N_("任务待办"),
    "task_completed": N_("完成任务"),
    "task_claimed": N_("领取任务"),
    "task_unclaimed": N_("退回任务"),
    "task_reassigned": N_("改派任务"),
    "task_cancelled": N_("任务取消"),
    "gateway_taken": N_("流程分支"),
    "timer_fired": N_("定时器触发"),
    "element_completed": N_("步骤完成"),
    "element_started": N_("子流程开始"),
    "element_failed": N_("步骤失败"),
    "instance_error": N_("案件出错"),
    "instance_completed": N_("案件完成"),
    "instance_cancelled": N_("案件取消"),
    "sla_started": N_("时限开始计时"),
    "sla_warning": N_("时限预警"),
    "sla_breached": N_("超出时限"),
    "sla_closed": N_("时限结束"),
    "sla_unscheduled": N_("时限无法计算"),
    "sla_intervention": N_("经理介入"),
    "timer_failed": N_("定时器失败"),
    "timer_retried": N_("定时器重试"),
    "case_archived": N_("案件归档"),
    # managers' operations
    "instance_suspended": N_("案件暂停"),
    "instance_resumed": N_("案件恢复"),
    "task_corrected": N_("更正数据"),
    "instance_sent_back": N_("退回重做"),
    "instance_migrated": N_("迁移版本"),
    "incident_retried": N_("故障重试"),
    "incident_resolved": N_("故障按给定值处理"),
    "timer_resolved": N_("定时器故障已处理"),
    "notification_retried": N_("通知重发"),
    "notification_resolved": N_("通知故障已处理"),
    "comment_added": N_("评论"),
    "customer_survey_answered": N_("客户满意度评价"),
}
# events whose timeline line shows the reason given
REASONED_EVENTS = {"instance_cancelled", "instance_suspended", "instance_resumed", "instance_sent_back",
                   "instance_migrated", "incident_retried", "incident_resolved"}
# shown in the timeline by default; the others appear when "all events" is ticked
MAIN_EVENTS = {"instance_started", "task_ready", "task_completed", "task_claimed", "task_unclaimed",
               "task_reassigned", "task_cancelled", "gateway_taken", "timer_fired", "element_failed",
               "instance_error", "instance_completed", "instance_cancelled", "sla_warning", "sla_breached",
               "sla_unscheduled", "sla_intervention", "timer_failed", "case_archived", "instance_suspended",
               "instance_resumed", "task_corrected", "instance_sent_back", "instance_migrated", "incident_retried",
               "incident_resolved", "timer_resolved", "comment_added",
               "customer_survey_answered"}

TABS = {"mine": N_("我的任务"), "role": N_("角色队列"), "all": N_("全部任务")}
SORTS = {"due": N_("按到期时间"), "age": N_("按等待时长"), "case": N_("按案件编号")}

YES_NO = {True: N_("是"), False: N_("否")}
