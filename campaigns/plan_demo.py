"""The plans' structure in the demo world, in each plan's own words (issue 17, parts 1, 2 and 7):

- Liaoning's 2023 campaign: its leading group (the governor heads it) and a group per key industry headed by
  the vice-governor in charge, the 15 + 50 measures checklist with the cities' adoption reports, and the
  leaders' checklist (the "five musts").
- Dalian's 2024-2026 three-year action to tackle root causes (治本攻坚): "one table and four lists" — a table
  of tasks over the city's departments and districts, its institutional measures and risks (its problems and
  major hazards come from the ledger), its leading group (party secretary and mayor together), and the
  emergency management bureau's own sub-plan.

Where a text is not known to us it says so in the data rather than inventing it: the items of the State
Council's 15 measures are short summaries (the document governs), the province's 50 measures are listed by
number with their text left to be entered from the provincial document, and the "five musts" are worded
from the plan's leadership duties. Names of people are invented; posts are real posts.

Built only through the services, as the demo directory's accounts; called by campaigns.demo.seed_campaigns
before the 2023 campaigns close. Deterministic and idempotent through seed_campaigns' own guard.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from zoneinfo import ZoneInfo

from organizations.models import Department, Industry, Region, Tenant, User

from .choices import AdoptionState, CampaignStatus, GroupRole, RiskLevel
from .models import Campaign, LeadingGroupMember, Task
from .plan_services import (
    adopted_measure_add,
    leader_duty_add,
    leader_duty_check,
    leading_group_create,
    leading_group_member_add,
    list_entry_move,
    measure_adoption_report,
    measure_create,
    risk_create,
    subplan_create,
)
from .services import campaign_create, progress_report, stage_update, task_create

TZ = ZoneInfo("Asia/Shanghai")

STATE_COUNCIL_15 = "国务院安委会安全生产十五条措施（2022年）"
LIAONING_50 = "辽宁省安全生产50项具体举措"
SUMMARY_NOTE = "条目为摘要，以国务院安委会印发原文为准"
UNKNOWN_NOTE = "条目原文未录入演示数据，请据省安委会印发文件补录"
# Summaries of the fifteen measures' subjects (not the legal wording).
FIFTEEN = [
    "严格落实地方党委和政府安全生产领导责任",
    "严格落实部门安全生产监管责任，管行业必须管安全、管业务必须管安全、管生产经营必须管安全",
    "严格落实企业安全生产主体责任，主要负责人是第一责任人",
    "国务院安委会成员单位和地方各级安委会强化统筹协调、督导检查",
    "深入开展安全生产大排查大整治，重大事故隐患清单化管理",
    "严厉打击非法违法生产经营建设行为",
    "强化重点行业领域专项整治",
    "严格安全准入，把好规划、设计、建设和审批关口",
    "加强安全生产执法检查，推行四不两直、明查暗访",
    "加大举报奖励力度，畅通社会监督渠道",
    "加强安全生产宣传教育和警示教育",
    "提升应急救援处置能力",
    "加强安全生产监管执法队伍和基层基础建设",
    "严肃事故调查处理和责任追究",
    "强化安全生产考核巡查和失职追责",
]
FIVE_MUSTS = [
    "必须亲自研究部署专项行动，主持召开专题会议",
    "必须带队开展四不两直督导检查",
    "必须专题学习安全生产15条硬措施和重大事故隐患判定标准",
    "必须协调解决重大事故隐患排查整治中的突出问题",
    "必须对排查整治不力、发生事故的严肃追责问责",
]

# Liaoning's leading groups: (group name, industry code or None, [(name, post, role)]).
LIAONING_GROUPS: list[tuple[str, str | None, list[tuple[str, str, str]]]] = [
    (
        "辽宁省重大事故隐患专项排查整治2023行动领导小组",
        None,
        [
            ("高振宇", "省长", GroupRole.HEAD),
            ("孙立群", "常务副省长", GroupRole.DEPUTY_HEAD),
            ("韩雪松", "副省长（分管应急管理）", GroupRole.DEPUTY_HEAD),
            ("周立新", "省应急管理厅厅长", GroupRole.OFFICE_DIRECTOR),
            ("吴明哲", "省住房和城乡建设厅厅长", GroupRole.MEMBER),
            ("郑国梁", "省交通运输厅厅长", GroupRole.MEMBER),
            ("冯晓光", "省市场监督管理局局长", GroupRole.MEMBER),
        ],
    ),
    (
        "危险化学品和矿山专项工作组",
        "hazardous_chemicals",
        [
            ("韩雪松", "副省长（分管应急管理）", GroupRole.HEAD),
            ("周立新", "省应急管理厅厅长", GroupRole.MEMBER),
        ],
    ),
    (
        "建筑施工和城镇燃气专项工作组",
        "construction",
        [
            ("杜文斌", "副省长（分管住房和城乡建设）", GroupRole.HEAD),
            ("吴明哲", "省住房和城乡建设厅厅长", GroupRole.MEMBER),
        ],
    ),
    (
        "道路交通和水上交通专项工作组",
        "road_traffic",
        [
            ("林海涛", "副省长（分管交通运输）", GroupRole.HEAD),
            ("郑国梁", "省交通运输厅厅长", GroupRole.MEMBER),
        ],
    ),
    (
        "特种设备专项工作组",
        "special_equipment",
        [
            ("许方正", "副省长（分管市场监管）", GroupRole.HEAD),
            ("冯晓光", "省市场监督管理局局长", GroupRole.MEMBER),
        ],
    ),
]

DL = "210200"
THREE_YEAR_NAME = "大连市安全生产治本攻坚三年行动（2024—2026年）"
THREE_YEAR_SUBPLAN = "大连市应急管理局危险化学品安全治本攻坚实施方案"
THREE_YEAR_INDUSTRIES = [
    "hazardous_chemicals",
    "non_coal_mines",
    "industry_trade",
    "construction",
    "town_gas",
    "fire_safety",
    "road_traffic",
    "water_traffic",
    "fishing_vessels",
    "tourism",
    "special_equipment",
]
THREE_YEAR_REQUIREMENT = (
    "以“一表四清单”为抓手，把问题清单、重大隐患清单、制度措施清单、风险清单与任务分工表一体推进，"
    "清单化管理、项目化推进，逐项明确责任单位、责任岗位和完成时限，推动安全生产治理模式向事前预防转型，"
    "从根本上消除事故隐患、从根本上解决问题。"
)
THREE_YEAR_STAGES = [
    ("动员部署", dt.date(2024, 1, 1), dt.date(2024, 2, 29)),
    ("集中攻坚（2024年）", dt.date(2024, 3, 1), dt.date(2024, 12, 31)),
    ("集中攻坚（2025年）", dt.date(2025, 1, 1), dt.date(2025, 12, 31)),
    ("巩固提升", dt.date(2026, 1, 1), dt.date(2026, 12, 31)),
]
DEPARTMENT_NAMES = {
    "yj": "应急管理局",
    "zj": "住房和城乡建设局",
    "jt": "交通运输局",
    "xf": "消防救援支队",
    "sj": "市场监督管理局",
    "hy": "海洋发展局",
    "wl": "文化和旅游局",
    "gx": "工业和信息化局",
    "cg": "城市管理局",
}
Y = dt.date
# (number, title, due, weight, departments "code:key", regions, [(date, percent, narrative)]).
TaskRow = tuple[str, str, dt.date, int, Sequence[str], Sequence[str], Sequence[tuple[dt.date, int, str]]]
YJ, ZJ, JT, XF, SJ, HY, WL, GX, CG = (
    f"{DL}:{k}" for k in ("yj", "zj", "jt", "xf", "sj", "hy", "wl", "gx", "cg")
)
GJZ, JZ, LS, ZS, XG, SHK, PLD, CH, WFD, ZH = (
    "210211",
    "210213",
    "210212",
    "210202",
    "210203",
    "210204",
    "210214",
    "210224",
    "210281",
    "210283",
)
THREE_YEAR_TASKS: list[TaskRow] = [
    (
        "1",
        "安全发展理念提升",
        Y(2026, 12, 31),
        2,
        [],
        [DL],
        [
            (Y(2024, 6, 28), 30, "市委理论学习中心组专题学习安全生产重要论述，各区市县完成轮训。"),
            (Y(2025, 6, 30), 70, "领导干部安全生产专题培训覆盖率达到100%。"),
        ],
    ),
    (
        "1.1",
        "市委理论学习中心组专题学习安全生产重要论述",
        Y(2024, 6, 30),
        1,
        [],
        [DL],
        [(Y(2024, 6, 20), 100, "市委理论学习中心组完成专题学习。")],
    ),
    (
        "1.2",
        "各区市县党政领导干部安全生产专题培训",
        Y(2024, 12, 31),
        1,
        [],
        [GJZ, JZ, WFD],
        [(Y(2024, 11, 15), 100, "甘井子区完成党政领导干部专题培训2期。")],
    ),
    (
        "1.3",
        "企业主要负责人安全生产履职培训",
        Y(2025, 12, 31),
        1,
        [YJ],
        [],
        [
            (Y(2024, 9, 12), 40, "完成高危行业企业主要负责人培训1260人。"),
            (Y(2025, 10, 20), 100, "企业主要负责人履职培训全覆盖。"),
        ],
    ),
    (
        "2",
        "重大事故隐患动态清零",
        Y(2026, 12, 31),
        3,
        [YJ],
        [DL],
        [
            (Y(2024, 7, 5), 30, "建立重大事故隐患“一表四清单”，按月调度。"),
            (Y(2025, 12, 20), 75, "2024年以来排查重大事故隐患全部建档，整改率92%。"),
        ],
    ),
    (
        "2.1",
        "危险化学品企业重大事故隐患专项排查",
        Y(2024, 12, 31),
        2,
        [YJ],
        [GJZ],
        [
            (Y(2024, 5, 30), 50, "完成危险化学品企业首轮专家指导服务。"),
            (Y(2024, 12, 20), 100, "排查发现重大事故隐患全部整改销号。"),
        ],
    ),
    ("2.2", "化工园区安全风险评估和封闭化管理", Y(2025, 6, 30), 2, ["210211:yj"], [GJZ], []),
    (
        "2.3",
        "非煤矿山和尾矿库重大事故隐患整治",
        Y(2025, 6, 30),
        1,
        [YJ],
        [WFD, ZH],
        [(Y(2024, 8, 16), 60, "完成尾矿库安全风险监测预警系统接入。")],
    ),
    (
        "2.4",
        "工贸企业粉尘涉爆、涉氨制冷、有限空间隐患整治",
        Y(2025, 12, 31),
        1,
        [YJ, GX],
        [],
        [(Y(2024, 10, 8), 45, "检查涉粉尘涉氨企业318家，责令整改问题512项。")],
    ),
    (
        "2.5",
        "建筑施工危大工程重大事故隐患整治",
        Y(2025, 12, 31),
        2,
        [ZJ],
        [JZ],
        [(Y(2024, 9, 2), 40, "在建项目危大工程专项方案和专家论证全面复查。")],
    ),
    (
        "2.6",
        "城镇燃气管网老化更新改造",
        Y(2026, 10, 31),
        2,
        [ZJ, CG],
        [ZS, XG, SHK],
        [
            (Y(2024, 11, 30), 35, "完成老化燃气管网改造96公里。"),
            (Y(2025, 11, 28), 70, "累计改造老化燃气管网201公里。"),
        ],
    ),
    ("2.7", "餐饮场所燃气安全专项整治", Y(2024, 12, 31), 1, [CG, SJ], [ZS, XG], []),
    ("2.8", "人员密集场所和高层建筑消防隐患整治", Y(2025, 12, 31), 2, [XF], [ZS, SHK], []),
    ("2.9", "道路运输“两客一危”车辆动态监控整治", Y(2025, 6, 30), 1, [JT], [], []),
    ("2.10", "港口危险货物作业和水上客运隐患整治", Y(2025, 12, 31), 1, [JT], [LS, CH], []),
    ("2.11", "渔船北斗终端、AIS规范使用专项整治", Y(2025, 6, 30), 1, [HY], [CH, ZH], []),
    ("2.12", "电梯、起重机械、锅炉等特种设备隐患整治", Y(2025, 12, 31), 1, [SJ], [], []),
    ("2.13", "A级旅游景区游乐设施和高风险项目隐患排查", Y(2024, 10, 31), 1, [WL, SJ], [LS, JZ], []),
    (
        "3",
        "生产经营单位主体责任落实",
        Y(2026, 12, 31),
        2,
        [YJ],
        [DL],
        [(Y(2024, 12, 18), 40, "重点企业全员安全生产责任制全面建立。")],
    ),
    (
        "3.1",
        "重点企业主要负责人每月带队检查",
        Y(2026, 12, 31),
        1,
        [YJ],
        [],
        [(Y(2024, 10, 30), 50, "重点企业主要负责人带队检查月度报备率98%。")],
    ),
    ("3.2", "企业安全生产标准化达标提升", Y(2026, 6, 30), 1, [YJ, GX], [], []),
    (
        "3.3",
        "企业重大事故隐患自查自改和举报奖励",
        Y(2026, 12, 31),
        1,
        [YJ],
        [GJZ],
        [(Y(2025, 3, 20), 40, "企业自查上报重大事故隐患186项，兑现举报奖励23.6万元。")],
    ),
    ("3.4", "外包外租和承包商统一安全管理", Y(2025, 12, 31), 1, [YJ, GX], [JZ], []),
    (
        "4",
        "科技兴安和信息化提升",
        Y(2026, 12, 31),
        2,
        [YJ],
        [DL],
        [(Y(2025, 4, 1), 35, "安全生产风险监测预警平台一期上线。")],
    ),
    (
        "4.1",
        "危险化学品重大危险源在线监测全覆盖",
        Y(2024, 12, 31),
        1,
        [YJ],
        [GJZ],
        [(Y(2024, 12, 10), 100, "重大危险源企业全部接入在线监测。")],
    ),
    (
        "4.2",
        "城市生命线安全工程（燃气、桥梁、供水）建设",
        Y(2026, 12, 31),
        2,
        [ZJ, CG],
        [ZS, XG, SHK, GJZ],
        [],
    ),
    ("4.3", "淘汰落后工艺设备和推广机械化自动化", Y(2025, 12, 31), 1, [GX, YJ], [WFD, PLD], []),
    ("5", "安全生产法治建设", Y(2026, 12, 31), 1, [YJ], [DL], []),
    (
        "5.1",
        "修订大连市安全生产条例配套制度",
        Y(2025, 12, 31),
        1,
        [YJ],
        [],
        [(Y(2025, 5, 12), 30, "形成条例配套制度修订草案。")],
    ),
    ("5.2", "行政执法与刑事司法衔接机制", Y(2024, 12, 31), 1, [YJ], [DL], []),
    ("6", "监管执法效能提升", Y(2026, 12, 31), 2, [YJ], [DL], []),
    (
        "6.1",
        "推行“四不两直”、明查暗访和交叉执法",
        Y(2026, 12, 31),
        1,
        [YJ, ZJ, JT],
        [],
        [(Y(2024, 12, 26), 35, "开展“四不两直”检查1840次，交叉执法6轮。")],
    ),
    ("6.2", "重大事故隐患挂牌督办和跟踪问效", Y(2026, 12, 31), 1, [YJ], [GJZ, JZ], []),
    (
        "6.3",
        "区市县和先导区应急管理执法队伍建设",
        Y(2025, 12, 31),
        1,
        [],
        [GJZ, JZ, LS, PLD, WFD, ZH, CH],
        [(Y(2025, 8, 8), 60, "甘井子区执法人员专业化比例达到75%。")],
    ),
    (
        "6.4",
        "基层网格员隐患排查能力培训",
        Y(2025, 6, 30),
        1,
        [],
        [ZS, XG, SHK, GJZ],
        [(Y(2025, 6, 10), 100, "甘井子区网格员完成隐患排查培训。")],
    ),
    ("7", "全民安全素质提升", Y(2026, 12, 31), 1, [YJ], [DL], []),
    (
        "7.1",
        "安全生产月和警示教育宣传",
        Y(2026, 6, 30),
        1,
        [YJ],
        [],
        [(Y(2024, 6, 30), 35, "安全生产月活动覆盖企业4300家。")],
    ),
    ("7.2", "中小学和社区安全教育", Y(2026, 12, 31), 1, [], [ZS, XG, SHK, GJZ, LS], []),
    ("8", "安全生产基层基础和应急能力", Y(2026, 12, 31), 2, [YJ], [DL], []),
    ("8.1", "乡镇（街道）安全生产监管力量配备", Y(2025, 12, 31), 1, [], [PLD, WFD, ZH, CH], []),
    ("8.2", "危险化学品和矿山应急救援队伍建设", Y(2025, 12, 31), 1, [YJ], [GJZ, WFD], []),
    ("8.3", "城镇燃气突发事件应急预案修订演练", Y(2024, 11, 30), 1, [CG, ZJ], [], []),
    (
        "9",
        "三年行动年度评估和总结",
        Y(2026, 12, 31),
        1,
        [],
        [DL],
        [
            (Y(2025, 1, 15), 33, "2024年度评估报告报市政府。"),
            (Y(2026, 1, 20), 66, "2025年度评估完成，问题清单滚动更新。"),
        ],
    ),
]

# Institutional measures: (number, title, owner, position, due, state, (document no., date, issuer) or None).
THREE_YEAR_MEASURES = [
    (
        "Z1",
        "重大事故隐患动态清零制度",
        YJ,
        "局长",
        Y(2024, 6, 30),
        "done",
        ("大安委发〔2024〕3号", Y(2024, 4, 2), "大连市安全生产委员会"),
    ),
    (
        "Z2",
        "重大事故隐患挂牌督办和销号管理办法",
        YJ,
        "分管副局长",
        Y(2024, 9, 30),
        "done",
        ("大安委办发〔2024〕17号", Y(2024, 8, 26), "大连市安全生产委员会办公室"),
    ),
    (
        "Z3",
        "生产经营单位主要负责人安全生产述职制度",
        YJ,
        "局长",
        Y(2025, 6, 30),
        "done",
        ("大安委发〔2025〕2号", Y(2025, 3, 18), "大连市安全生产委员会"),
    ),
    (
        "Z4",
        "安全生产举报奖励实施细则",
        YJ,
        "分管副局长",
        Y(2024, 12, 31),
        "done",
        ("大应急发〔2024〕41号", Y(2024, 11, 5), "大连市应急管理局"),
    ),
    ("Z5", "城镇燃气经营企业安全评价和退出机制", CG, "局长", Y(2025, 12, 31), "in_progress", None),
    ("Z6", "建筑施工危大工程全过程监管办法", ZJ, "总工程师", Y(2025, 12, 31), "in_progress", None),
    ("Z7", "行刑衔接工作机制", YJ, "法规处处长", Y(2025, 6, 30), "open", None),
    ("Z8", "街道（乡镇）安全生产网格化管理办法", GJZ, "区长", Y(2026, 6, 30), "open", None),
]
THREE_YEAR_RISKS = [
    (
        "F1",
        "化工园区多米诺效应和危险化学品储罐区火灾爆炸风险",
        "210211:yj",
        "局长",
        Y(2026, 12, 31),
        RiskLevel.MAJOR,
        "园区封闭化管理，储罐区紧急切断和SIS改造",
        "in_progress",
    ),
    (
        "F2",
        "老旧燃气管网泄漏爆炸风险",
        CG,
        "局长",
        Y(2026, 10, 31),
        RiskLevel.MAJOR,
        "分年度更新改造，加装可燃气体监测",
        "in_progress",
    ),
    (
        "F3",
        "高层建筑和大型商业综合体火灾风险",
        XF,
        "支队长",
        Y(2025, 12, 31),
        RiskLevel.HIGH,
        "消防设施物联网监测，微型消防站全覆盖",
        "in_progress",
    ),
    (
        "F4",
        "台风期间渔船和水上客运风险",
        HY,
        "局长",
        Y(2026, 12, 31),
        RiskLevel.HIGH,
        "渔船回港避风和客船停航制度",
        "open",
    ),
    (
        "F5",
        "深基坑、高支模和起重吊装作业风险",
        ZJ,
        "分管副局长",
        Y(2025, 12, 31),
        RiskLevel.HIGH,
        "危大工程专家论证和旁站监督",
        "open",
    ),
    ("F6", "尾矿库溃坝风险", WFD, "市长", Y(2025, 6, 30), RiskLevel.MODERATE, "在线监测和汛期巡查", "done"),
    (
        "F7",
        "电梯困人和大型游乐设施风险",
        SJ,
        "分管副局长",
        Y(2025, 12, 31),
        RiskLevel.MODERATE,
        "维保质量抽查和应急救援演练",
        "open",
    ),
    (
        "F8",
        "有限空间作业中毒窒息风险",
        GX,
        "分管副局长",
        Y(2024, 12, 31),
        RiskLevel.LOW,
        "作业审批和气体检测",
        "done",
    ),
]
THREE_YEAR_GROUP = [
    ("许光明", "市委书记", GroupRole.HEAD),
    ("陈嘉宁", "市长", GroupRole.HEAD),
    ("马志远", "常务副市长", GroupRole.DEPUTY_HEAD),
    ("刘长河", "副市长（分管应急管理）", GroupRole.DEPUTY_HEAD),
    ("陈建华", "市应急管理局局长", GroupRole.OFFICE_DIRECTOR),
    ("宋立军", "市住房和城乡建设局局长", GroupRole.MEMBER),
    ("黄海波", "市交通运输局局长", GroupRole.MEMBER),
    ("冯远航", "市海洋发展局局长", GroupRole.MEMBER),
]


def _at(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, 10, (day.day * 7) % 60, tzinfo=TZ)


def _retime(actor: User, campaign: Campaign, plan: Sequence[tuple[str, dt.date, dt.date]]) -> None:
    """Move the template stages to the planned dates, each move once it clashes with no other stage as they
    stand (the service refuses overlaps at every step)."""
    pending = list(zip(campaign.stages.order_by("order"), plan, strict=True))
    dates = {stage.pk: (stage.start_date, stage.end_date) for stage, _ in pending}
    while pending:
        for entry in pending:
            stage, (name, start, end) = entry
            if all(e < start or s > end for pk, (s, e) in dates.items() if pk != stage.pk):
                stage_update(
                    actor=actor, stage=stage, name=name, name_en=stage.name_en, start_date=start, end_date=end
                )
                dates[stage.pk] = (start, end)
                pending.remove(entry)
                break
        else:
            raise RuntimeError("The planned stages overlap one another.")


class _Units:
    def __init__(self, tenant: Tenant) -> None:
        self.tenant = tenant
        self.regions = {region.code: region for region in Region.objects.filter(tenant=tenant)}
        self.industries = {industry.code: industry for industry in Industry.objects.filter(tenant=tenant)}

    def department(self, key: str) -> Department:
        code, short = key.split(":")
        region = self.regions[code]
        return Department.objects.get(
            tenant=self.tenant, region=region, name=f"{region.name}{DEPARTMENT_NAMES[short]}"
        )

    def owner(self, key: str) -> tuple[Department | None, Region | None]:
        """(department, region) for an owner key: "210200:yj" a department, "210211" a region."""
        if ":" in key:
            return self.department(key), None
        return None, self.regions[key]


def seed_liaoning_plan(*, campaign: Campaign, actor: User, dalian_actor: User) -> None:
    """Leading groups, the 15 + 50 measures with cities' adoption, the five musts (2023 campaign)."""
    units = _Units(Tenant.objects.get(slug="liaoning"))
    members: list[LeadingGroupMember] = []
    for name, industry, people in LIAONING_GROUPS:
        group = leading_group_create(
            actor=actor,
            campaign=campaign,
            name=name,
            industry=units.industries[industry] if industry else None,
            duties="研究部署专项行动，统筹协调解决重大问题，督导检查各地区各部门工作落实。"
            if not industry
            else "",
        )
        for order, (person, post, role) in enumerate(people, start=1):
            member = leading_group_member_add(
                actor=actor, group=group, name=person, position=post, role=role, order=order
            )
            if industry is None:
                members.append(member)
    fifteen = [
        adopted_measure_add(
            actor=actor,
            campaign=campaign,
            source=STATE_COUNCIL_15,
            number=number,
            text=text,
            note=SUMMARY_NOTE,
        )
        for number, text in enumerate(FIFTEEN, start=1)
    ]
    fifty = [
        adopted_measure_add(
            actor=actor,
            campaign=campaign,
            source=LIAONING_50,
            number=number,
            text=f"第{number}项具体举措",
            note=UNKNOWN_NOTE,
        )
        for number in range(1, 51)
    ]
    dalian, shenyang, anshan = units.regions[DL], units.regions["210100"], units.regions["210300"]
    for index, measure in enumerate(fifteen, start=1):
        measure_adoption_report(
            actor=dalian_actor,
            measure=measure,
            region=dalian,
            state=AdoptionState.ADOPTED,
            document="大安委发〔2023〕8号",
            note="纳入大连市专项行动实施方案",
            now=_at(dt.date(2023, 5, 29)),
        )
        measure_adoption_report(
            actor=actor,
            measure=measure,
            region=shenyang,
            state=AdoptionState.ADOPTED if index <= 12 else AdoptionState.IN_PROGRESS,
            document="沈安委发〔2023〕6号" if index <= 12 else "",
            now=_at(dt.date(2023, 6, 5)),
        )
    for index, measure in enumerate(fifty, start=1):
        adopted = index <= 38
        measure_adoption_report(
            actor=dalian_actor,
            measure=measure,
            region=dalian,
            state=AdoptionState.ADOPTED if adopted else AdoptionState.IN_PROGRESS,
            document="大安委发〔2023〕8号" if adopted else "",
            now=_at(dt.date(2023, 6, 12)),
        )
        if index <= 20:
            measure_adoption_report(
                actor=actor,
                measure=measure,
                region=anshan,
                state=AdoptionState.IN_PROGRESS,
                now=_at(dt.date(2023, 6, 20)),
            )
    duties = [
        leader_duty_add(actor=actor, campaign=campaign, number=number, text=text)
        for number, text in enumerate(FIVE_MUSTS, start=1)
    ]
    evidence = [
        "省政府常务会议专题研究",
        "带队赴大连、营口开展四不两直检查",
        "省政府党组理论学习中心组专题学习",
        "协调化工园区搬迁改造资金",
        "约谈重大事故隐患整改滞后的市政府",
    ]
    for member in members[:3]:
        for number, duty in enumerate(duties, start=1):
            if member.role == GroupRole.DEPUTY_HEAD and number == 5:
                continue
            leader_duty_check(
                actor=actor,
                duty=duty,
                member=member,
                done_on=dt.date(2023, 5, 10 + number * 3),
                evidence=evidence[number - 1],
            )


def seed_dalian_three_year_action(*, actor: User, reporters: dict[str, User]) -> Campaign:
    """Dalian's 2024-2026 three-year action: its table of tasks, four lists, leading group and a sub-plan."""
    units = _Units(Tenant.objects.get(slug="liaoning"))
    campaign = campaign_create(
        actor=actor,
        region=units.regions[DL],
        name=THREE_YEAR_NAME,
        start_date=dt.date(2024, 1, 1),
        end_date=dt.date(2026, 12, 31),
        industries=[units.industries[code] for code in THREE_YEAR_INDUSTRIES],
        general_requirement=THREE_YEAR_REQUIREMENT,
        responsibilities="\n".join(
            [
                "市委、市政府：落实党政同责、一岗双责，市委书记、市长共同担任领导小组组长。",
                "市直有关部门：按照三个必须要求，牵头本行业领域治本攻坚任务。",
                "各区市县、先导区：对本地区治本攻坚负总责，落实属地管理责任。",
                "生产经营单位：主要负责人履行第一责任人职责，重大事故隐患自查自改、动态清零。",
            ]
        ),
        guarantee_measures="\n".join(
            [
                "加强组织领导：成立三年行动领导小组，按月调度、按季通报。",
                "强化清单管理：一表四清单逐项销号，滚动更新。",
                "强化资金保障：城市生命线和老旧管网改造纳入年度预算。",
                "强化考核问责：纳入年度安全生产目标责任考核。",
            ]
        ),
        status=CampaignStatus.ACTIVE,
    )
    _retime(actor, campaign, THREE_YEAR_STAGES)
    created: dict[str, Task] = {}
    for number, title, due, weight, departments, regions, reports in THREE_YEAR_TASKS:
        parent_number = number.rpartition(".")[0]
        task = task_create(
            actor=actor,
            campaign=campaign,
            number=number,
            title=title,
            due_date=due,
            weight=Decimal(weight),
            departments=[units.department(key) for key in departments],
            regions=[units.regions[code] for code in regions],
            parent=created.get(parent_number),
        )
        created[number] = task
        if not reports:
            continue
        reporter = next(
            (user for unit, user in reporters.items() if unit in set(departments) | set(regions)), None
        )
        if reporter is None:
            raise RuntimeError(f"No demo account reports on task {number} of {campaign}.")
        for day, percent, narrative in reports:
            progress_report(actor=reporter, task=task, percent=percent, narrative=narrative, now=_at(day))
    for number, title, owner, position, due, state, document in THREE_YEAR_MEASURES:
        measure = measure_create(
            actor=actor,
            campaign=campaign,
            number=number,
            title=title,
            responsible_position=position,
            due_date=due,
            owner_department=units.owner(owner)[0],
            owner_region=units.owner(owner)[1],
        )
        if state != "open":
            list_entry_move(actor=actor, entry=measure, state="in_progress", note="起草中")
        if state == "done" and document is not None:
            list_entry_move(
                actor=actor,
                entry=measure,
                state="done",
                note="已印发",
                document={
                    "document_number": document[0],
                    "document_date": document[1],
                    "document_issuer": document[2],
                },
            )
    for number, title, owner, position, due, level, controls, state in THREE_YEAR_RISKS:
        risk = risk_create(
            actor=actor,
            campaign=campaign,
            number=number,
            title=title,
            responsible_position=position,
            due_date=due,
            level=level,
            controls=controls,
            owner_department=units.owner(owner)[0],
            owner_region=units.owner(owner)[1],
        )
        if state != "open":
            list_entry_move(actor=actor, entry=risk, state="in_progress")
        if state == "done":
            list_entry_move(actor=actor, entry=risk, state="done", note="管控措施落实，风险降级")
    group = leading_group_create(
        actor=actor,
        campaign=campaign,
        name="大连市安全生产治本攻坚三年行动领导小组",
        duties="统筹推进三年行动，研究解决重大问题；领导小组办公室设在市应急管理局。",
    )
    for order, (person, post, role) in enumerate(THREE_YEAR_GROUP, start=1):
        leading_group_member_add(actor=actor, group=group, name=person, position=post, role=role, order=order)
    subplan_create(
        actor=actor,
        parent=campaign,
        department=units.department(YJ),
        name=THREE_YEAR_SUBPLAN,
        start_date=dt.date(2024, 3, 1),
        end_date=dt.date(2026, 12, 31),
        industries=[units.industries["hazardous_chemicals"]],
        general_requirement="聚焦化工园区和重大危险源企业，推动危险化学品重大事故隐患动态清零。",
    )
    return campaign
