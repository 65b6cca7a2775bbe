"""The forms of every user task and start event, one line per field. Field names follow the
documents of the service manual (申请表, 到货清点报告, 安装调试数据采集清单, 培训签到表,
质量故障处理服务报告, 项目总结报告, 电话回访问卷, 顾客满意度调查表, 客户回访报告, 赔偿申请单).
`build.py` writes them to bpmn/forms/<process>/<form>.json."""
from __future__ import annotations

from forms_accountability import ACCIDENT, TOOL_LOSS
from forms_appointment import SERVICE_APPOINTMENT
from forms_approval import COMPENSATION_APPROVAL, COMPENSATION_OFFICE
from forms_customer import COMPLAINT, REVISIT, TECH_SUPPORT
from forms_delivery import DELIVERY_INSTALLATION
from forms_service import FAULT_HANDLING, INSTALLATION

FORMS = {
    "installation": INSTALLATION, "fault_handling": FAULT_HANDLING, "revisit": REVISIT,
    "compensation_approval": COMPENSATION_APPROVAL, "compensation_office": COMPENSATION_OFFICE, "tech_support": TECH_SUPPORT, "complaint": COMPLAINT,
    "accident": ACCIDENT, "tool_loss": TOOL_LOSS,
    "service_appointment": SERVICE_APPOINTMENT, "delivery_installation": DELIVERY_INSTALLATION,
}
