"""Forms of furniture delivery and installation (送货安装, 003): 客户意见反馈表, crew and date, the
leader's decision, load check, the call, unloading and counting, installation, 安装回执单, the
dealer's 发货单, apology and promised date, the return record and 出车记录."""
from __future__ import annotations

from form_kit import enum, f, form, ro
from forms_priority import priority_field

KINDS = [("end_customer", "终端客户", "End customer"), ("dealer", "经销商", "Dealer")]


def items(name: str, zh: str, en: str, required: bool = True):
    return f(name, "rows", zh, en, required, fields=[
        f("product", "string", "产品名称及型号", "Product", True, max_length=120),
        f("quantity", "integer", "件数", "Pieces", True, min=0, max=100000)])


DELIVERY_INSTALLATION = {
    "feedback_form": form(
        "客户意见反馈表（送货安装要求）", "Customer feedback form (delivery and installation)",
        enum("customer_kind", "客户类别", "Customer", KINDS, True),
        f("customer_name", "string", "客户（或经销商）名称", "Customer or dealer", True, max_length=120),
        f("address", "string", "送货地址", "Delivery address", True, max_length=300),
        f("contact", "string", "联系人", "Contact", True, max_length=60),
        f("phone", "string", "联系电话", "Phone", True, max_length=40),
        f("order_number", "string", "订单号", "Order number", max_length=40),
        items("items", "产品及件数", "Products and pieces"),
        f("wished_date", "date", "要求送货安装日期", "Wished date"),
        priority_field(),
        f("requirements", "text", "客户要求及意见", "Customer's requirements", max_length=2000)),
    "coordinate": form(
        "与客服部负责人协调（经销商）", "Coordination with the service head (dealer)",
        ro("customer_name", "string", "经销商", "Dealer"),
        f("agreed_date", "date", "商定送货日期", "Agreed date", True),
        f("installation_needed", "boolean", "需要配合安装", "Installation needed", True),
        f("notes", "text", "协调意见", "Notes", max_length=2000)),
    "assign_crew": form(
        "分配安装人员和日期", "Crew and date",
        ro("customer_name", "string", "客户", "Customer"),
        f("install_date", "date", "送货安装日期", "Date", True),
        f("crew", "rows", "安装人员", "Crew", True, fields=[
            f("name", "string", "姓名", "Name", True, max_length=60),
            enum("level", "级别", "Level", [("supervisor", "技术主管", "Technical supervisor"),
                                          ("technician", "技术员工", "Technician"),
                                          ("trainee", "实习员工", "Trainee")], True)]),
        f("crew_size", "integer", "外出人数", "People going", True, min=1, max=200),
        f("vehicle", "string", "车辆", "Vehicle", max_length=40),
        f("notes", "text", "安排说明", "Notes", max_length=2000)),
    "leader_decision": form(
        "主管领导决定外出安装任务", "Supervising leader's decision",
        ro("customer_name", "string", "客户", "Customer"),
        ro("crew_size", "integer", "外出人数", "People going"),
        f("approved", "boolean", "同意外出安装", "Approved", True),
        f("comment", "text", "意见（不同意时请说明）", "Comment (give the reason when refusing)", max_length=2000)),
    "load_check": form(
        "装车前检查", "Check before loading",
        f("packaging_intact", "boolean", "产品包装完好", "Packaging intact", True),
        items("loaded", "装车产品及件数", "Loaded"),
        f("tools_taken", "boolean", "已带齐工具和《客户意见反馈表》", "Tools and feedback form taken", True),
        f("notes", "text", "说明", "Notes", max_length=2000)),
    "call_customer": form(
        "联络客户", "Call to the customer",
        ro("contact", "string", "联系人", "Contact"),
        ro("phone", "string", "联系电话", "Phone"),
        f("arrival_time", "datetime", "告知的到达时间", "Arrival time told", True),
        f("address_confirmed", "string", "确认的送货地址", "Address confirmed", True, max_length=300)),
    "unload_count": form(
        "卸货并查清件数", "Unloading and counting",
        items("counted", "清点产品及件数", "Pieces counted"),
        f("count_matches", "boolean", "件数与订单一致", "Count matches the order", True),
        f("notes", "text", "说明", "Notes", max_length=2000)),
    "install": form(
        "安装", "Installation",
        f("protection_taken", "boolean", "已对顾客家具、装修采取保护措施", "Premises protected", True),
        f("placed_as_asked", "boolean", "已按客户要求摆放到位", "Placed as the customer asked", True),
        enum("quality_outcome", "质量及其他问题", "Quality problems", [
            ("none", "无", "None"), ("fixed", "已在现场解决", "Fixed on site"),
            ("rework", "需返工或退货", "Needs rework or return")], True),
        f("problem", "text", "问题说明", "Problem", max_length=2000)),
    "adjust_explain": form(
        "调试、介绍保修", "Adjustment and warranty",
        f("adjusted", "boolean", "已调试", "Adjusted", True),
        f("warranty_explained", "boolean", "已向顾客介绍保修期限和保修内容", "Warranty explained", True),
        f("warranty_terms", "text", "保修期限及内容", "Warranty terms", max_length=2000)),
    "clean_up": form(
        "清理安装现场", "Clean-up",
        f("cleaned", "boolean", "已清理安装现场", "Site cleaned", True),
        f("notes", "text", "说明", "Notes", max_length=2000)),
    "installation_receipt": form(
        "安装回执单", "Installation receipt",
        f("receipt_scan", "file", "顾客签名的安装回执单", "Receipt signed by the customer", True, multiple=False),
        f("signed_by", "string", "签名人", "Signed by", True, max_length=60),
        f("signed_at", "datetime", "签名时间", "Signed at", True),
        f("customer_comment", "text", "顾客意见", "Customer's comment", max_length=2000)),
    "thanks": form(
        "致谢", "Thanks",
        f("thanked", "boolean", "已向顾客致谢", "Customer thanked", True)),
    "dealer_count": form(
        "与经销商清点件数", "Count with the dealer",
        f("dealer_person", "string", "经销商清点人", "Dealer's person", True, max_length=60),
        items("counted", "清点产品及件数", "Pieces counted"),
        f("count_matches", "boolean", "件数与发货单一致", "Count matches the delivery note", True)),
    "delivery_note": form(
        "发货单（一式两份）", "Delivery note (two copies)",
        f("note_number", "string", "发货单号", "Delivery note number", True, max_length=40),
        f("copies_given", "integer", "交经销商份数", "Copies given", True, min=2, max=2),
        f("dealer_signed", "boolean", "经销商已签字确认", "Signed by the dealer", True),
        f("signed_copy", "file", "收回的签字发货单（乙份）", "Signed copy taken back", True, multiple=False)),
    "supervisor_copy": form(
        "签字发货单交安装主管", "Signed delivery note to the installation supervisor",
        ro("note_number", "string", "发货单号", "Delivery note number"),
        f("copy_received", "boolean", "已收到经销商签字的发货单", "Signed copy received", True),
        f("notes", "text", "说明", "Notes", max_length=2000)),
    "apology": form(
        "致歉并确定送货日期", "Apology and promised date",
        ro("problem", "text", "问题说明", "Problem"),
        f("apologised", "boolean", "已向顾客致歉", "Apologised", True),
        f("promised_date", "date", "承诺的安装或送货日期", "Promised date", True),
        f("needs_return", "boolean", "需退货返厂", "Goods go back to the factory", True)),
    "repack_return": form(
        "退货记录", "Return record",
        f("repacked", "boolean", "已重新包装完好", "Repacked intact", True),
        f("return_number", "string", "退货单号", "Return number", True, max_length=40),
        f("returned", "rows", "退货产品", "Products returned", True, fields=[
            f("product", "string", "产品名称及型号", "Product", True, max_length=120),
            f("quantity", "integer", "件数", "Pieces", True, min=1, max=100000),
            f("reason", "string", "退货原因", "Reason", True, max_length=200)])),
    "trip_record": form(
        "出车记录登记表", "Vehicle trip record",
        f("vehicle", "string", "车辆", "Vehicle", True, max_length=40),
        f("destination", "string", "目的地", "Destination", True, max_length=200),
        enum("purpose", "用途", "Purpose", [("delivery", "送货安装", "Delivery"),
                                          ("redelivery", "重新送货", "Redelivery"),
                                          ("return", "退货返厂", "Return")], True),
        f("departed_at", "datetime", "出车时间", "Departed", True),
        f("returned_at", "datetime", "回车时间", "Returned", True),
        f("start_km", "integer", "出车里程（公里）", "Odometer out (km)", min=0, max=10000000),
        f("end_km", "integer", "回车里程（公里）", "Odometer in (km)", min=0, max=10000000)),
    "redelivery": form(
        "按承诺日期重新送货", "Redelivery by the promised date",
        ro("promised_date", "date", "承诺日期", "Promised date"),
        f("delivered_on", "date", "送达日期", "Delivered on", True),
        f("notes", "text", "说明", "Notes", max_length=2000)),
    "overdue_follow_up": form(
        "承诺日期未送到：跟进", "Promised date missed: follow-up",
        ro("customer_name", "string", "客户", "Customer"),
        ro("promised_date", "date", "承诺日期", "Promised date"),
        f("action", "text", "跟进措施（致电顾客、调整安排）", "Action taken", True, max_length=2000)),
}
