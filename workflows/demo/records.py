"""Demo domain records: 30 customers across the regions (both classes), 80 pieces of installed
equipment (some out of warranty), 6 engineers in the three region teams and a 40-part catalogue."""
from __future__ import annotations

import datetime as dt
import hashlib
import random
from decimal import Decimal

import sqlalchemy as sa

from engine import attachments
from engine.clock import now, utc_naive
from engine.db import db
from engine.identity import create_user, get_user
from engine.models import User
from workflows.demo.files import QUALITY_LETTER, SITE_PHOTO
from workflows.records.tables import Customer, Engineer, Equipment, Part
from workflows.records.warranty import warranty_of

# (name, class, region, city/address, contact, phone)
CUSTOMERS = [
    ("成都蓉城机械有限公司", "key", "四川", "成都市龙泉驿区经开区南四路18号", "王建国", "028-84851234"),
    ("绵阳科创环保设备有限公司", "ordinary", "四川", "绵阳市高新区火炬西街9号", "李红", "0816-2536789"),
    ("攀枝花钒钛矿业集团", "key", "四川", "攀枝花市东区钒钛大道66号", "张卫东", "0812-3345678"),
    ("宜宾川南化工有限公司", "ordinary", "四川", "宜宾市翠屏区临港园区", "刘洋", "0831-8223456"),
    ("德阳重装配套有限公司", "ordinary", "四川", "德阳市旌阳区珠江西路", "陈强", "0838-2456123"),
    ("重庆山城重工有限公司", "key", "重庆", "重庆市九龙坡区西彭工业园", "周明", "023-65432187"),
    ("重庆长寿化工股份有限公司", "ordinary", "重庆", "重庆市长寿区化南一路", "吴斌", "023-40451122"),
    ("重庆江津冶金有限公司", "ordinary", "重庆", "重庆市江津区德感工业园", "郑丽", "023-47551234"),
    ("昆明滇池磷化工有限公司", "key", "云南", "昆明市晋宁区二街工业园", "段志刚", "0871-67891234"),
    ("曲靖煤化工有限公司", "ordinary", "云南", "曲靖市麒麟区越州镇", "杨帆", "0874-3123456"),
    ("贵阳开磷设备有限公司", "key", "贵州", "贵阳市息烽县小寨坝镇", "罗杰", "0851-87712345"),
    ("遵义铝业股份有限公司", "ordinary", "贵州", "遵义市播州区苟江工业园", "蒋涛", "0851-27654321"),
    ("北京京北精工有限公司", "key", "北京", "北京市顺义区林河工业开发区", "赵刚", "010-69445566"),
    ("北京燕山水务有限公司", "ordinary", "北京", "北京市房山区燕山东流水", "孙晓", "010-69331122"),
    ("天津滨海新材料有限公司", "ordinary", "天津", "天津市滨海新区临港经济区", "钱伟", "022-25201234"),
    ("河北唐钢配套设备有限公司", "key", "河北", "唐山市路北区滨河路9号", "冯军", "0315-2701234"),
    ("石家庄华药环保有限公司", "ordinary", "河北", "石家庄市栾城区工业园", "许静", "0311-85061234"),
    ("山西潞安煤化有限公司", "ordinary", "山西", "长治市屯留区潞安工业园", "韩磊", "0355-5921234"),
    ("沈阳北方重机有限公司", "key", "辽宁", "沈阳市铁西区开发大路12号", "曹勇", "024-25881234"),
    ("鞍山钢城环保工程有限公司", "ordinary", "辽宁", "鞍山市铁西区环钢路", "彭辉", "0412-6721234"),
    ("吉林石化装备有限公司", "ordinary", "吉林", "吉林市龙潭区遵义东路", "邓超", "0432-63981234"),
    ("大庆油田化工机械有限公司", "ordinary", "黑龙江", "大庆市龙凤区兴化村", "谢飞", "0459-5601234"),
    ("广州珠江装备有限公司", "key", "广东", "广州市南沙区黄阁镇", "黄志明", "020-84981234"),
    ("佛山顺德环保科技有限公司", "ordinary", "广东", "佛山市顺德区容桂街道", "梁敏", "0757-28381234"),
    ("苏州工业园区净水有限公司", "key", "江苏", "苏州市工业园区星港街", "沈浩", "0512-62581234"),
    ("南京江北化工有限公司", "ordinary", "江苏", "南京市江北新区化工园", "朱琳", "025-58391234"),
    ("宁波北仑港务机械有限公司", "ordinary", "浙江", "宁波市北仑区新碶街道", "方涛", "0574-86881234"),
    ("淄博齐鲁陶瓷机械有限公司", "ordinary", "山东", "淄博市张店区华光路", "孔亮", "0533-2181234"),
    ("武汉光谷节能设备有限公司", "ordinary", "湖北", "武汉市东湖高新区光谷三路", "胡军", "027-87561234"),
    ("西安秦川矿山机械有限公司", "key", "陕西", "西安市高陵区泾河工业园", "马骏", "029-86901234"),
]
MODELS = ["XMZ-200 厢式压滤机", "XMZ-500 厢式压滤机", "DY-1500 带式压滤机", "LW-450 卧螺离心机",
          "GZJ-30 隔膜压滤机", "ZDJ-80 自动卸料系统"]
# (username, display name, team, skills)
ENGINEERS = [
    ("eng_sw1", "周工（西南）", "south_west", ["installation", "hydraulics", "training"]),
    ("eng_sw2", "何工（西南）", "south_west", ["installation", "electrical", "control"]),
    ("eng_n1", "吴工（华北）", "north", ["installation", "mechanical", "training"]),
    ("eng_n2", "吕工（东北）", "north", ["hydraulics", "electrical"]),
    ("eng_g1", "郑工（综合）", "general", ["installation", "control", "training"]),
    ("eng_g2", "施工（综合）", "general", ["mechanical", "hydraulics"]),
]
PARTS = [
    ("BRG-6205", "深沟球轴承 6205", "85.50"), ("BRG-6310", "深沟球轴承 6310", "236.00"),
    ("BRG-22220", "调心滚子轴承 22220", "1280.00"), ("SEAL-80", "骨架油封 80×110×12", "12.00"),
    ("SEAL-CYL-200", "油缸密封组件 Φ200", "460.00"), ("SEAL-CYL-320", "油缸密封组件 Φ320", "780.00"),
    ("CLOTH-750", "滤布 750AB（块）", "68.00"), ("CLOTH-1250", "滤布 1250AB（块）", "145.00"),
    ("PLATE-1250", "增强聚丙烯滤板 1250", "1150.00"), ("PLATE-1500", "增强聚丙烯滤板 1500", "1680.00"),
    ("DIAPH-1250", "隔膜滤板 1250", "3200.00"), ("BELT-2000", "滤带 2000mm（米）", "420.00"),
    ("VLV-SOL-24", "电磁换向阀 24V", "560.00"), ("VLV-REL-31", "溢流阀 31.5MPa", "890.00"),
    ("VLV-CHK-25", "液控单向阀 DN25", "640.00"), ("VLV-BALL-50", "气动球阀 DN50", "1350.00"),
    ("PUMP-PLG-10", "柱塞泵 10ml/r", "3850.00"), ("PUMP-GEAR-32", "齿轮泵 32ml/r", "1260.00"),
    ("PUMP-DIA-50", "气动隔膜泵 50", "4680.00"), ("MTR-2K2", "电机 2.2kW", "1850.00"),
    ("MTR-5K5", "电机 5.5kW", "2960.00"), ("MTR-11K", "电机 11kW", "5400.00"),
    ("VFD-5K5", "变频器 5.5kW", "2380.00"), ("VFD-22K", "变频器 22kW", "6900.00"),
    ("PLC-CPU", "PLC 主机模块", "4200.00"), ("PLC-DI16", "PLC 数字量输入模块 16点", "980.00"),
    ("HMI-7", "7寸触摸屏", "2150.00"), ("SNS-PRS", "压力传感器 0–40MPa", "760.00"),
    ("SNS-PRX", "接近开关 M18", "120.00"), ("SNS-LVL", "液位开关", "340.00"),
    ("CONT-32", "交流接触器 32A", "185.00"), ("RLY-24", "中间继电器 24V", "36.00"),
    ("HOSE-HP-19", "高压胶管 DN19（根）", "210.00"), ("GAUGE-40", "耐震压力表 40MPa", "95.00"),
    ("GEAR-RED-90", "减速机 速比90", "7800.00"), ("CHAIN-12A", "链条 12A（米）", "58.00"),
    ("SPRK-12A", "链轮 12A-25T", "165.00"), ("ROLL-TRK", "拉板小车滚轮", "150.00"),
    ("OIL-46", "抗磨液压油 46#（桶）", "980.00"), ("TOOLKIT-FP", "压滤机随机工具包", "320.00"),
]
ATTACHMENTS = [
    ("质量问题来函.pdf", QUALITY_LETTER),
    ("现场照片.png", SITE_PHOTO),
]


def _stamp() -> dt.datetime:
    return utc_naive(now())


def load_engineers(password: str) -> list[str]:
    """Engineer users missing from the demo users, and every engineer's record."""
    created = []
    for username, display_name, team, skills in ENGINEERS:
        if db.session.execute(sa.select(User.id).where(User.username == username)).first() is None:
            create_user(username, password, ["engineer"], display_name=display_name)
            created.append(username)
        user = get_user(username)
        if db.session.execute(sa.select(Engineer.id).where(Engineer.user_id == user.id)).first() is None:
            db.session.add(Engineer(user_id=user.id, region_team=team, skills=skills, created_at=_stamp(),
                                    updated_at=_stamp()))
    db.session.flush()
    return created


def load_records() -> bool:
    """Customers, equipment, parts and two documents; False when they are already there."""
    if db.session.execute(sa.select(Customer.id).limit(1)).first() is not None:
        return False
    stamp, today = _stamp(), now().date()
    customers = []
    for name, klass, region, address, contact, phone in CUSTOMERS:
        customer = Customer(name=name, customer_class=klass, region=region, address=address,
                            contacts=[{"name": contact, "phone": phone, "title": "设备部"}], created_at=stamp,
                            updated_at=stamp)
        db.session.add(customer)
        customers.append(customer)
    db.session.flush()
    rng = random.Random(2026)
    for index in range(80):
        customer = customers[index % len(customers)]
        newest = index < len(customers)  # every customer has a machine still in warranty
        shipped = today - dt.timedelta(days=rng.randint(60, 600 if newest else 6 * 365))
        equipment = Equipment(
            serial=f"AC{shipped:%y}{index + 1:04d}", model=MODELS[rng.randrange(len(MODELS))],
            contract_number=f"HT-{shipped:%Y}-{index + 101:03d}", ship_date=shipped,
            commissioned_on=shipped + dt.timedelta(days=rng.randint(10, 40)),
            warranty_months=36 if customer.customer_class == "key" else 24,
            inspection_record=f"出厂检验合格，检验员{rng.choice(['甲', '乙', '丙'])}", customer_id=customer.id,
            created_at=stamp, updated_at=stamp)
        equipment.warranty_end = warranty_of(equipment, on=today).end
        db.session.add(equipment)
    for code, name, price in PARTS:
        db.session.add(Part(code=code, name=name, price=Decimal(price), created_at=stamp, updated_at=stamp))
    for filename, content in ATTACHMENTS:  # uploaded (typed by its bytes) by the people whose demo forms name it
        for uploader in ("sales1", "desk1"):
            attachments.store(filename=filename, content=content, uploaded_by=uploader, max_bytes=len(content),
                              now=now())
    db.session.flush()
    return True


def attachment_ids() -> list[str]:
    return [hashlib.sha256(content).hexdigest() for _, content in ATTACHMENTS]
