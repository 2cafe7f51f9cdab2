"""The demo campaigns: Liaoning's 2023 special rectification of major accident hazards, Dalian's own
campaign under it, and Shanxi's, each with a numbered table of tasks and the progress reported on it; and
(campaigns.plan_demo) the plans' structure and Dalian's 2024-2026 three-year action.

Built only through the services (progress backdated with `now=`), as the committee staff and inspectors
of the demo directory (organizations.demo). Deterministic and idempotent: once Liaoning's campaign exists
it does nothing. Every date lies in 2023, so the tasks left unfinished show as overdue today.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db import transaction

from organizations.models import Department, Industry, Region, Tenant, User

from .choices import CampaignStatus
from .models import Campaign, Task
from .plan_demo import seed_dalian_three_year_action, seed_liaoning_plan
from .services import campaign_create, campaign_update, progress_report, stage_update, task_create

TZ = ZoneInfo("Asia/Shanghai")
YEAR = 2023

LIAONING_NAME = "辽宁省重大事故隐患专项排查整治2023行动"
DALIAN_NAME = "大连市重大事故隐患专项排查整治2023行动"
SHANXI_NAME = "山西省重大事故隐患专项排查整治2023行动"

# The ten key industries of the 2023 campaign (special equipment is regulated outside it).
TEN_INDUSTRIES = [
    "coal_mines",
    "non_coal_mines",
    "hazardous_chemicals",
    "road_traffic",
    "construction",
    "town_gas",
    "fire_safety",
    "water_traffic",
    "fishing_vessels",
    "tourism",
    "industry_trade",
]
DALIAN_INDUSTRIES = [
    "hazardous_chemicals",
    "non_coal_mines",
    "industry_trade",
    "construction",
    "town_gas",
    "fire_safety",
]

# Liaoning's "ten key points" as its plan names them (water traffic and fishing vessels are one point,
# special equipment is one): 矿山、危化品、道路交通、建筑施工、城镇燃气、消防安全、水上交通和渔业船舶、
# 旅游、冶金工贸、特种设备.
LIAONING_KEY_POINTS = [*TEN_INDUSTRIES, "special_equipment"]
# Liaoning's plan in its own words: one general requirement, three responsibilities, ten key points, four
# stages and six measures (一个要求、三个责任、十个重点、四个阶段、六项措施). The six measures are summarised.
LIAONING_REQUIREMENT = "\n".join(
    [
        "一个总体要求：坚持不懈落实国务院安委会安全生产15条硬措施和我省50项具体举措，清单式管理、项目化推进，"
        "全面摸清易导致群死群伤的重大事故隐患底数；努力实现企业排查整改重大事故隐患的质量明显提高、"
        "重大事故隐患得到系统治理、事故总量持续下降。",
        "十个重点：矿山、危险化学品、道路交通、建筑施工、城镇燃气、消防安全、水上交通和渔业船舶、旅游、"
        "冶金工贸、特种设备。",
    ]
)
LIAONING_RESPONSIBILITIES = "\n".join(
    [
        "企业主体责任：完成重大事故隐患自查自改、闭环管理、及时上报，开展违规动火全员警示教育，"
        "以“企业管理团队+专家”模式提高排查整改质量。",
        "部门监管责任：印发本行业领域实施方案，强化业务培训，开展精准执法，严格倒查追责，提高执法质量。",
        "党委政府领导责任：专题学习安全生产15条硬措施，迅速制定本地区专项行动工作方案，主要负责同志亲自部署、"
        "亲自督导。",
    ]
)
LIAONING_MEASURES = "\n".join(
    [
        "加强组织领导：省长任领导小组组长，分管副省长牵头各重点行业领域工作组。",
        "实行清单管理：建立重大事故隐患清单，逐项明确责任单位、责任人和整改时限，项目化推进。",
        "强化精准执法：采取四不两直、明查暗访，对重大事故隐患依法从重处罚。",
        "强化专家支撑：推行“企业管理团队+专家”模式，组织专家指导服务。",
        "强化社会监督：畅通举报渠道，落实举报奖励，曝光典型案例。",
        "强化考核问责：按月调度通报，对排查整治不力、发生事故的严肃追责问责。",
    ]
)

# Department keys (as in organizations.demo.CITY_DEPARTMENTS) to the name after the region's name.
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

# Who files progress for a task: the first of these units among its responsible ones.
REPORTERS: list[tuple[str, str]] = [
    ("210200:yj", "dl-yj-inspector"),
    ("210200:zj", "dl-zj-inspector"),
    ("140100:yj", "ty-yj-inspector"),
    ("210200", "dl-committee"),
    ("210211", "gjz-committee"),
]

GENERAL_REQUIREMENT = (
    "坚持人民至上、生命至上，统筹发展和安全，聚焦矿山、危险化学品、道路交通、建筑施工、城镇燃气、消防、"
    "水上交通、渔业船舶、旅游、冶金工贸等重点行业领域，以企业全面自查自改、部门精准执法检查为主线，"
    "严格落实两移交、三公开、四考核、一追溯等制度措施，全面排查整治重大事故隐患，"
    "推动安全生产治理模式向事前预防转型，坚决防范遏制重特大事故发生。"
)
RESPONSIBILITIES = "\n".join(
    [
        "各级党委政府：落实属地管理责任，主要负责同志亲自部署、亲自督导，定期研究解决突出问题。",
        "负有安全监管职责的部门：按照管行业必须管安全、管业务必须管安全、管生产经营必须管安全的要求，"
        "组织本行业领域企业自查自改，开展精准执法检查。",
        "生产经营单位：主要负责人是重大事故隐患排查整治第一责任人，带头开展自查自改，建立隐患清单，"
        "实行闭环管理。",
        "各级安委会办公室：统筹协调、督促指导，定期调度通报进展，组织开展考核巡查。",
    ]
)
GUARANTEE_MEASURES = "\n".join(
    [
        "加强组织领导：成立专项行动工作专班，主要负责同志亲自抓、负总责。",
        "强化责任落实：逐级压实属地、部门和企业责任，层层签订责任书。",
        "严格执法检查：采取四不两直、明查暗访方式，对重大事故隐患依法从重处罚。",
        "推进社会共治：公开举报电话，落实举报奖励，发动群众和职工参与隐患排查。",
        "强化宣传引导：开展重大事故隐患判定标准宣贯，曝光典型案例，营造浓厚氛围。",
        "严肃追责问责：对隐患排查整治不力、发生事故的，依法依规严肃追究责任。",
    ]
)
DALIAN_REQUIREMENT = (
    "贯彻落实省安委会部署，结合大连实际，突出危险化学品、非煤矿山、冶金工贸、建筑施工、城镇燃气和消防等"
    "重点行业领域，聚焦化工园区、城镇燃气管网、人员密集场所等重点部位，全面排查整治重大事故隐患。"
)
DALIAN_RESPONSIBILITIES = "\n".join(
    [
        "各区市县政府、先导区管委会：对本地区专项行动负总责，组织辖区企业全面自查自改。",
        "市直有关部门：按照职责分工，负责本行业领域重大事故隐患排查整治和执法检查。",
        "市安委会办公室：统筹调度、督导检查，按月汇总上报省安委会办公室。",
    ]
)
# Shanxi runs its campaign by the "12341" mechanism (一闭环、两移交、三公开、四考核、一追溯), from 25 April
# to the end of December, its tasks decomposed over the three responsibilities into 15 items and 40 points.
SHANXI_REQUIREMENT = (
    "坚持问题导向、目标导向，以煤矿、非煤矿山、危险化学品、烟花爆竹、民用爆炸物品、道路交通、建筑施工、"
    "城镇燃气等为重点，企业全面自查自改、部门精准执法检查，围绕企业主体责任、部门监管责任、党政领导责任"
    "分解细化15项40条任务，实行“12341”工作机制，全面排查整治重大事故隐患，坚决遏制重特大事故。"
)
SHANXI_RESPONSIBILITIES = "\n".join(
    [
        "企业主体责任：主要负责人带头自查自改，建立重大事故隐患清单，做到整改责任、措施、资金、时限、预案“五落实”。",
        "部门监管责任：各行业领域监管部门精准严格执法，对重大事故隐患跟踪督办直至销号。",
        "党政领导责任：省级专项行动领导组由省长任组长，市县由党委政府主要负责同志任双组长，各重点行业领域"
        "由分管副省长任组长，坚持做到“五个必须”。",
    ]
)
SHANXI_MECHANISM = "\n".join(
    [
        "一闭环：重大事故隐患发现、移交办理、信息公开、督导巡查、考核通报全过程闭环管理。",
        "两移交：发现的重大事故隐患移交属地市级政府督促整改，移交省级有关部门跟踪督办。",
        "三公开：重大事故隐患清单、整改推进情况、整改结果每月向社会公开一次。",
        "四考核：专项排查整治总体情况、企业自查自改抽查情况、部门精准严格执法情况、党委政府组织领导情况"
        "纳入考核，每月排名通报。",
        "一追溯：发生生产安全事故的，倒查重大事故隐患排查整治责任落实情况，依规依纪依法严肃追责。",
    ]
)

# The Liaoning campaign's four stages, named as the State Council Safety Committee's 2023 plan (which the
# province's follows) names them, on the province's dates (mid-May to the end of the year).
LIAONING_STAGES = [
    ("动员部署", (5, 15), (5, 31)),
    ("企业自查自改和部门帮扶", (6, 1), (6, 30)),
    ("部门精准执法和集中攻坚", (7, 1), (10, 31)),
    ("巩固提升", (11, 1), (12, 31)),
]

MonthDay = tuple[int, int]


@dataclass(frozen=True)
class Report:
    on: MonthDay
    percent: int
    narrative: str


@dataclass(frozen=True)
class TaskPlan:
    number: str
    title: str
    due: MonthDay
    weight: int
    departments: tuple[str, ...] = ()  # "210200:yj": the Dalian emergency management bureau
    regions: tuple[str, ...] = ()  # region codes
    reports: tuple[Report, ...] = ()
    description: str = ""


def _on(month: int, day: int) -> dt.date:
    return dt.date(YEAR, month, day)


def _at(month: int, day: int) -> dt.datetime:
    """An office-hours moment of that day, varied but fixed."""
    return dt.datetime(YEAR, month, day, 9 + day % 8, (day * 7) % 60, tzinfo=TZ)


def _t(
    number: str,
    title: str,
    due: MonthDay,
    weight: int,
    departments: Sequence[str] = (),
    regions: Sequence[str] = (),
    reports: Sequence[tuple[MonthDay, int, str]] = (),
    description: str = "",
) -> TaskPlan:
    return TaskPlan(
        number=number,
        title=title,
        due=due,
        weight=weight,
        departments=tuple(departments),
        regions=tuple(regions),
        reports=tuple(Report(on, percent, narrative) for on, percent, narrative in reports),
        description=description,
    )


DL = "210200"
YJ, ZJ, JT, XF, HY, WL, GX, CG = (f"{DL}:{key}" for key in ("yj", "zj", "jt", "xf", "hy", "wl", "gx", "cg"))

LIAONING_TASKS: list[TaskPlan] = [
    _t(
        "1",
        "加强组织领导，动员部署专项行动",
        (5, 31),
        2,
        regions=[DL],
        reports=[
            ((5, 19), 40, "市政府召开专题会议传达全省部署，明确由市安委会办公室牵头组织实施。"),
            ((5, 30), 100, "动员部署工作全部完成，各区市县和市直部门均已召开部署会议。"),
        ],
    ),
    _t(
        "1.1",
        "成立专项行动工作专班，制定实施方案",
        (5, 25),
        1,
        regions=[DL],
        reports=[
            ((5, 18), 50, "成立由分管副市长任组长的工作专班，起草实施方案征求市直部门意见。"),
            ((5, 24), 100, "实施方案经市安委会审议通过并印发，明确重点任务、责任分工和时间节点。"),
        ],
    ),
    _t(
        "1.2",
        "召开全市动员部署视频会议",
        (5, 31),
        1,
        regions=[DL],
        reports=[((5, 26), 100, "召开全市动员部署视频会议，会议开至区市县、街道和重点企业。")],
    ),
    _t(
        "1.3",
        "开展重大事故隐患判定标准宣贯培训",
        (5, 31),
        1,
        departments=[YJ, ZJ],
        reports=[
            ((5, 22), 60, "组织危险化学品、工贸行业判定标准培训2场，培训企业负责人和安全管理人员420人次。"),
            ((5, 31), 100, "完成判定标准线上线下宣贯，累计培训1380人次，印发口袋书5000册。"),
        ],
    ),
    _t(
        "2",
        "督促企业全面自查自改",
        (9, 30),
        3,
        departments=[YJ, ZJ],
        reports=[
            ((6, 30), 30, "全市8620家企业完成自查动员，3150家完成首轮自查，自查上报隐患2763项。"),
            ((8, 15), 70, "累计7240家企业完成自查，上报隐患6518项，已整改5402项。"),
            ((9, 28), 100, "企业自查自改全面完成，上报隐患8105项，整改率97.6%，未完成的已落实五到位措施。"),
        ],
    ),
    _t(
        "2.1",
        "督促企业主要负责人带队开展全面自查",
        (7, 31),
        2,
        departments=[YJ],
        reports=[
            ((6, 20), 40, "向重点企业印发提示函，要求主要负责人带队开展自查，首批612家已签订承诺书。"),
            ((7, 12), 80, "主要负责人带队自查企业1284家，抽查复核企业136家。"),
            ((7, 28), 100, "重点企业主要负责人带队自查全覆盖，对敷衍自查的9家企业约谈警示。"),
        ],
    ),
    _t(
        "2.2",
        "建筑施工企业重大事故隐患自查自改",
        (7, 31),
        2,
        departments=[ZJ],
        reports=[
            ((6, 16), 35, "在建项目1126个全部启动自查，重点排查深基坑、高支模和起重机械。"),
            ((7, 10), 75, "自查上报隐患1317项，已整改1089项，停工整改项目7个。"),
            ((7, 30), 100, "建筑施工企业自查自改完成，隐患整改率98.2%，剩余隐患挂牌督办。"),
        ],
    ),
    _t(
        "2.3",
        "自查隐患录入台账，实行闭环管理",
        (9, 30),
        2,
        departments=[YJ],
        regions=["210211"],
        reports=[
            ((7, 5), 30, "企业自查隐患统一录入隐患台账系统，甘井子区先行试点。"),
            ((8, 25), 70, "隐患台账覆盖全市各区市县，整改、复查、销号全流程留痕。"),
            ((9, 26), 100, "自查隐患全部纳入台账闭环管理，逾期未整改隐患实行红色预警。"),
        ],
    ),
    _t(
        "3",
        "部门精准执法检查",
        (11, 30),
        3,
        departments=[YJ, ZJ, JT, XF],
        reports=[
            ((8, 31), 40, "各部门制定执法检查计划，累计检查企业1865家，发现重大事故隐患43项。"),
            ((10, 20), 75, "累计检查企业3322家，立案处罚217起，罚款1286万元。"),
            ((11, 29), 100, "执法检查阶段任务完成，重大事故隐患全部依法处理，典型案例已报省安委办。"),
        ],
    ),
    _t(
        "3.1",
        "采取四不两直方式开展暗查暗访",
        (11, 30),
        2,
        departments=[YJ],
        description="不发通知、不打招呼、不听汇报、不用陪同接待，直奔基层、直插现场。",
        reports=[
            ((7, 18), 30, "组建暗查暗访组4个，暗访危险化学品和工贸企业38家。"),
            ((9, 22), 65, "累计暗访企业102家，发现重大事故隐患17项，全部移交属地督办。"),
            ((11, 24), 100, "暗查暗访全面完成，共暗访企业156家，曝光问题企业12家。"),
        ],
    ),
    _t(
        "3.2",
        "危险化学品企业执法检查",
        (11, 30),
        2,
        departments=[YJ],
        regions=["210211"],
        reports=[
            ((10, 10), 50, "检查危险化学品生产经营企业214家，责令停产整顿3家。"),
            ((11, 27), 100, "危险化学品企业执法检查全覆盖，立案处罚46起。"),
        ],
    ),
    _t(
        "3.3",
        "建筑施工领域执法检查",
        (11, 30),
        2,
        departments=[ZJ],
        reports=[
            ((10, 12), 45, "检查在建项目486个，下发整改通知书321份，暂扣安全生产许可证2家。"),
            ((11, 28), 100, "建筑施工领域执法检查完成，对5家施工企业实施信用惩戒。"),
        ],
    ),
    _t(
        "4",
        "落实两移交制度",
        (11, 30),
        2,
        departments=[YJ, ZJ],
        reports=[
            ((9, 15), 40, "建立安委会办公室与部门间隐患移交工作机制，移交重大事故隐患19项。"),
            ((11, 10), 80, "累计移交重大事故隐患37项，接收部门均已按时反馈处理情况。"),
        ],
    ),
    _t(
        "4.1",
        "向负有安全监管职责的部门移交重大事故隐患",
        (11, 15),
        1,
        departments=[YJ],
        reports=[
            ((8, 30), 50, "向交通、住建、消防等部门移交检查发现的重大事故隐患21项。"),
            ((11, 14), 100, "移交隐患全部完成整改销号，移交、接收、反馈闭环办理。"),
        ],
    ),
    _t(
        "4.2",
        "向纪检监察机关移交涉嫌失职失责问题线索",
        (11, 30),
        1,
        regions=[DL],
        reports=[((11, 20), 60, "梳理隐患排查整治不力问题线索4条，其中2条已移交市纪委监委。")],
    ),
    _t(
        "5",
        "推行三公开制度",
        (12, 15),
        2,
        regions=[DL],
        reports=[
            ((6, 30), 30, "在市政府网站和主要媒体开设专项行动专栏。"),
            ((9, 30), 70, "按月公开执法检查和隐患整改情况。"),
            ((12, 12), 100, "三公开工作全面落实，全年公开信息126条。"),
        ],
    ),
    _t(
        "5.1",
        "公开重大事故隐患举报电话和奖励政策",
        (6, 15),
        1,
        regions=[DL],
        reports=[((6, 12), 100, "公布12350举报电话和举报奖励办法，受理举报线索并及时核查。")],
    ),
    _t(
        "5.2",
        "曝光重大事故隐患典型执法案例",
        (10, 31),
        1,
        departments=[YJ],
        reports=[
            ((8, 10), 50, "在大连日报、大连新闻传媒集团曝光典型执法案例8起。"),
            ((10, 27), 100, "累计曝光典型执法案例21起，形成有力震慑。"),
        ],
    ),
    _t(
        "5.3",
        "公开重大事故隐患整改情况",
        (12, 15),
        1,
        departments=[ZJ],
        reports=[
            ((9, 5), 40, "建筑施工领域重大事故隐患整改情况按月公开。"),
            ((12, 8), 100, "全年公开建筑施工领域隐患整改情况10期。"),
        ],
    ),
    _t(
        "6",
        "实施四考核机制",
        (12, 31),
        2,
        regions=[DL],
        reports=[
            ((10, 16), 50, "制定专项行动考核细则，将隐患排查整治纳入安全生产和消防工作考核。"),
            ((12, 27), 100, "完成对各区市县和市直部门的年度考核，考核结果已报市委市政府。"),
        ],
    ),
    _t("6.1", "对各县区专项行动开展督导考核", (12, 20), 1, regions=["210212", "210213", "210214"]),
    _t(
        "7",
        "强化一追溯，倒查事故企业隐患排查整治责任",
        (12, 31),
        2,
        departments=[YJ],
        reports=[
            ((9, 8), 40, "对上半年发生生产安全事故的3家企业倒查隐患排查整治情况。"),
            ((12, 22), 100, "事故企业责任倒查完成，追究企业责任人员7人，倒查报告已报省安委办。"),
        ],
    ),
    _t(
        "8",
        "重点行业领域专项整治",
        (11, 30),
        3,
        departments=[YJ, ZJ, JT, XF, CG],
        reports=[
            ((7, 31), 35, "各行业领域专项整治方案印发实施，重点领域全面铺开。"),
            ((9, 30), 75, "危险化学品、建筑施工、城镇燃气等领域专项整治按计划推进。"),
            ((11, 28), 100, "重点行业领域专项整治完成，形成行业领域整治报告。"),
        ],
    ),
    _t(
        "8.1",
        "危险化学品重大危险源企业专项整治",
        (9, 30),
        2,
        departments=[YJ],
        regions=["210211"],
        reports=[
            ((6, 28), 30, "对全市87家重大危险源企业开展专家指导服务，甘井子区化工园区先行。"),
            ((8, 18), 70, "重大危险源企业包保责任人履职检查完成，发现问题412项。"),
            ((9, 27), 100, "重大危险源专项整治完成，问题整改率100%。"),
        ],
    ),
    _t(
        "8.2",
        "非煤矿山专项整治",
        (9, 30),
        2,
        departments=[YJ],
        regions=["210283"],
        reports=[
            ((7, 20), 40, "检查非煤矿山企业32家，关闭不具备安全生产条件的小矿2家。"),
            ((9, 25), 80, "尾矿库和采石场专项整治推进中，庄河市2家企业整改仍未完成。"),
        ],
    ),
    _t(
        "8.3",
        "建筑施工高处坠落和起重机械专项整治",
        (9, 30),
        2,
        departments=[ZJ],
        reports=[
            ((7, 14), 40, "排查起重机械2416台，停用不合格设备31台。"),
            ((9, 22), 100, "专项整治完成，高处坠落防护措施和起重机械隐患全部整改。"),
        ],
    ),
    _t(
        "8.4",
        "城镇燃气安全专项整治",
        (9, 30),
        2,
        departments=[ZJ, CG],
        reports=[
            ((6, 26), 30, "完成燃气经营企业和餐饮场所用气安全排查3120家。"),
            ((8, 29), 65, "更换不合格燃气软管和减压阀1.2万处，安装燃气报警器4600台。"),
            ((9, 29), 100, "城镇燃气专项整治完成，老旧管网改造纳入年度计划。"),
        ],
    ),
    _t(
        "8.5",
        "高层建筑和大型商业综合体消防安全专项整治",
        (9, 30),
        2,
        departments=[XF],
        regions=[DL],
        reports=[
            ((7, 6), 45, "检查高层建筑和大型商业综合体286栋，督改消防隐患903处。"),
            ((9, 26), 100, "消防安全专项整治完成，挂牌督办重大火灾隐患单位6家均已整改销案。"),
        ],
    ),
    _t(
        "8.6",
        "道路运输两客一危一货专项整治",
        (9, 30),
        2,
        departments=[JT],
        regions=[DL],
        reports=[
            ((7, 25), 50, "检查两客一危企业142家，约谈动态监控报警处置不力企业11家。"),
            ((9, 28), 100, "道路运输专项整治完成，重点营运车辆动态监控上线率达99.5%。"),
        ],
    ),
    _t("8.7", "水上交通和渔业船舶专项整治", (9, 30), 2, departments=[JT, HY], regions=["210224"]),
    _t(
        "8.8",
        "冶金工贸有限空间作业专项整治",
        (9, 30),
        2,
        departments=[YJ, GX],
        reports=[
            ((7, 3), 40, "建立有限空间作业企业清单，涉及企业1286家。"),
            ((9, 21), 100, "有限空间作业专项整治完成，督促企业落实先通风、再检测、后作业。"),
        ],
    ),
    _t("8.9", "旅游景区和游乐设施安全专项整治", (9, 30), 1, departments=[WL], regions=["210212"]),
    _t(
        "9",
        "总结提升，建立长效机制",
        (12, 31),
        2,
        regions=[DL],
        reports=[((12, 18), 50, "梳理专项行动中暴露的共性问题，起草总结报告和长效机制文件。")],
    ),
    _t(
        "9.1",
        "梳理共性问题，修订完善行业领域安全管理制度",
        (12, 25),
        1,
        departments=[YJ, ZJ],
        reports=[
            ((12, 8), 50, "梳理共性问题18类，起草制度修订建议。"),
            ((12, 22), 100, "修订完善危险化学品、建筑施工等安全管理制度5项。"),
        ],
    ),
]

DALIAN_TASKS: list[TaskPlan] = [
    _t(
        "1",
        "制定全市专项行动实施方案",
        (5, 31),
        1,
        regions=[DL],
        reports=[((5, 29), 100, "大连市专项行动实施方案印发，明确六大重点领域和责任分工。")],
    ),
    _t(
        "2",
        "危险化学品企业重大事故隐患排查整治",
        (9, 30),
        3,
        departments=[YJ],
        regions=["210211"],
        reports=[
            ((6, 21), 35, "全市危险化学品企业完成首轮自查，专家会诊企业48家。"),
            ((8, 16), 70, "发现重大事故隐患12项，已整改10项，2项挂牌督办。"),
            ((9, 27), 100, "危险化学品企业隐患排查整治完成，挂牌督办隐患全部销号。"),
        ],
    ),
    _t(
        "3",
        "甘井子区化工园区安全整治提升",
        (10, 31),
        2,
        departments=["210211:yj"],
        regions=["210211"],
        reports=[
            ((7, 11), 40, "完成化工园区安全风险评估，封闭化管理方案报市应急管理局审查。"),
            ((9, 14), 75, "园区门禁、视频监控和危险化学品车辆专用停车场建成投用。"),
            ((10, 26), 100, "化工园区安全整治提升完成，通过市级复核。"),
        ],
    ),
    _t(
        "4",
        "建筑施工领域打非治违",
        (9, 30),
        2,
        departments=[ZJ],
        regions=["210213"],
        reports=[
            ((7, 7), 50, "查处无证施工、违法分包等行为23起。"),
            ((9, 25), 100, "打非治违专项行动完成，金州区在建项目全部复查。"),
        ],
    ),
    _t(
        "5",
        "城镇燃气管网老化更新改造隐患整治",
        (11, 30),
        2,
        departments=[ZJ, CG],
        reports=[
            ((8, 22), 30, "摸清老化燃气管网186公里，制定分年度改造计划。"),
            ((11, 21), 70, "完成老化管网改造131公里，剩余部分因冬季停工顺延至明年。"),
        ],
    ),
    _t("6", "人员密集场所消防安全隐患整治", (11, 30), 2, departments=[XF]),
    _t(
        "7",
        "工贸企业有限空间作业专项检查",
        (10, 31),
        1,
        departments=[YJ, GX],
        reports=[
            ((8, 9), 50, "检查涉有限空间作业工贸企业215家，责令整改问题368项。"),
            ((10, 24), 100, "有限空间作业专项检查完成，问题全部整改。"),
        ],
    ),
    _t(
        "8",
        "各区市县专项行动督导检查",
        (12, 15),
        1,
        regions=["210211", "210212", "210213"],
        reports=[
            ((10, 18), 50, "甘井子区配合市督导组开展交叉检查，完成自评报告。"),
            ((12, 11), 100, "督导检查发现问题全部整改，整改报告已报市安委办。"),
        ],
    ),
    _t(
        "9",
        "专项行动工作总结",
        (12, 31),
        1,
        regions=[DL],
        reports=[((12, 20), 40, "汇总各区市县和市直部门工作总结，起草全市总结报告。")],
    ),
]

TY = "140100"
SHANXI_TASKS: list[TaskPlan] = [
    _t(
        "1",
        "煤矿重大事故隐患排查整治",
        (9, 30),
        3,
        departments=[f"{TY}:yj"],
        reports=[
            ((6, 15), 40, "太原市在产煤矿全部完成自查，专家会诊煤矿12座。"),
            ((9, 26), 100, "煤矿重大事故隐患排查整治完成，发现隐患全部整改销号。"),
        ],
    ),
    _t(
        "2",
        "非煤矿山和尾矿库专项整治",
        (10, 31),
        2,
        departments=[f"{TY}:yj"],
        reports=[((8, 24), 50, "检查非煤矿山和尾矿库41处，古交市3处尾矿库治理工程尚在施工。")],
    ),
    _t(
        "3",
        "危险化学品企业安全风险隐患排查",
        (9, 30),
        2,
        departments=[f"{TY}:yj"],
        reports=[((7, 19), 30, "组织危险化学品企业开展自查，清徐县精细化工企业先行专家指导。")],
    ),
    _t("4", "建筑施工安全专项整治", (10, 31), 2, departments=[f"{TY}:zj"]),
    _t("5", "城镇燃气安全排查整治", (11, 30), 2, departments=[f"{TY}:zj", f"{TY}:cg"]),
    _t("6", "道路运输和人员密集场所消防安全检查", (11, 30), 1, departments=[f"{TY}:jt", f"{TY}:xf"]),
]


class _Directory:
    """The tenant's demo regions, departments and industries, looked up by code or key."""

    def __init__(self, tenant: Tenant) -> None:
        self.tenant = tenant
        self.regions = {region.code: region for region in Region.objects.filter(tenant=tenant)}
        self.industries = {industry.code: industry for industry in Industry.objects.filter(tenant=tenant)}

    def region(self, code: str) -> Region:
        return self.regions[code]

    def department(self, key: str) -> Department:
        code, short = key.split(":")
        region = self.regions[code]
        return Department.objects.get(
            tenant=self.tenant, region=region, name=f"{region.name}{DEPARTMENT_NAMES[short]}"
        )

    def industry_list(self, codes: Sequence[str]) -> list[Industry]:
        return [self.industries[code] for code in codes]


def _user(username: str) -> User:
    return User.objects.get(username=username)


def _retime_stages(actor: User, campaign: Campaign, plan: Sequence[tuple[str, MonthDay, MonthDay]]) -> None:
    """Move the template stages to the planned dates, each move taken only once it clashes with no
    other stage as they stand (the service refuses overlaps at every step)."""
    stages = list(campaign.stages.order_by("order"))
    dates = {stage.pk: (stage.start_date, stage.end_date) for stage in stages}
    pending = [
        (stage, name, _on(*start), _on(*end)) for stage, (name, start, end) in zip(stages, plan, strict=True)
    ]
    while pending:
        for entry in pending:
            stage, name, start, end = entry
            clear = all(
                other_end < start or other_start > end
                for pk, (other_start, other_end) in dates.items()
                if pk != stage.pk
            )
            if clear:
                stage_update(
                    actor=actor, stage=stage, name=name, name_en=stage.name_en, start_date=start, end_date=end
                )
                dates[stage.pk] = (start, end)
                pending.remove(entry)
                break
        else:
            raise RuntimeError("The planned stages overlap one another.")


def _reporter(plan: TaskPlan, users: dict[str, User]) -> User | None:
    units = set(plan.departments) | set(plan.regions)
    return next((users[username] for unit, username in REPORTERS if unit in units), None)


def _tasks(
    actor: User, campaign: Campaign, plans: Sequence[TaskPlan], directory: _Directory, users: dict[str, User]
) -> None:
    created: dict[str, Task] = {}
    for plan in plans:
        parent_number = plan.number.rpartition(".")[0]
        task = task_create(
            actor=actor,
            campaign=campaign,
            number=plan.number,
            title=plan.title,
            description=plan.description,
            due_date=_on(*plan.due),
            weight=Decimal(plan.weight),
            departments=[directory.department(key) for key in plan.departments],
            regions=[directory.region(code) for code in plan.regions],
            parent=created[parent_number] if parent_number else None,
        )
        created[plan.number] = task
        if not plan.reports:
            continue
        reporter = _reporter(plan, users)
        if reporter is None:
            raise RuntimeError(f"No demo account reports on task {plan.number} of {campaign}.")
        for report in plan.reports:
            progress_report(
                actor=reporter,
                task=task,
                percent=report.percent,
                narrative=report.narrative,
                now=_at(*report.on),
            )


@transaction.atomic
def seed_campaigns() -> None:
    if Campaign.objects.filter(tenant__slug="liaoning", name=LIAONING_NAME).exists():
        return
    users = {username: _user(username) for _unit, username in REPORTERS}
    liaoning = _Directory(Tenant.objects.get(slug="liaoning"))
    shanxi = _Directory(Tenant.objects.get(slug="shanxi"))

    province_committee = _user("ln-committee")
    province = campaign_create(
        actor=province_committee,
        region=liaoning.region("210000"),
        name=LIAONING_NAME,
        start_date=_on(5, 15),
        end_date=_on(12, 31),
        industries=liaoning.industry_list(LIAONING_KEY_POINTS),
        general_requirement=LIAONING_REQUIREMENT,
        responsibilities=LIAONING_RESPONSIBILITIES,
        guarantee_measures=LIAONING_MEASURES,
        status=CampaignStatus.ACTIVE,
    )
    _retime_stages(province_committee, province, LIAONING_STAGES)
    _tasks(province_committee, province, LIAONING_TASKS, liaoning, users)

    city_committee = users["dl-committee"]
    dalian = campaign_create(
        actor=city_committee,
        region=liaoning.region(DL),
        parent=province,
        name=DALIAN_NAME,
        start_date=_on(5, 20),
        end_date=_on(12, 31),
        industries=liaoning.industry_list(DALIAN_INDUSTRIES),
        general_requirement=DALIAN_REQUIREMENT,
        responsibilities=DALIAN_RESPONSIBILITIES,
        guarantee_measures=GUARANTEE_MEASURES,
        status=CampaignStatus.ACTIVE,
    )
    _tasks(city_committee, dalian, DALIAN_TASKS, liaoning, users)

    shanxi_committee = _user("sx-committee")  # the province's committee runs the province's campaign
    shanxi_campaign = campaign_create(
        actor=shanxi_committee,
        region=shanxi.region("140000"),
        name=SHANXI_NAME,
        start_date=_on(4, 25),
        end_date=_on(12, 31),
        industries=shanxi.industry_list([*TEN_INDUSTRIES, "fireworks", "civil_explosives"]),
        general_requirement=SHANXI_REQUIREMENT,
        responsibilities=SHANXI_RESPONSIBILITIES,
        guarantee_measures=SHANXI_MECHANISM,
        status=CampaignStatus.ACTIVE,
    )
    _tasks(shanxi_committee, shanxi_campaign, SHANXI_TASKS, shanxi, users)
    # The plans' structure (leading groups, measures checklists, four lists) and Dalian's three-year action.
    seed_liaoning_plan(campaign=province, actor=province_committee, dalian_actor=city_committee)
    seed_dalian_three_year_action(
        actor=city_committee, reporters={unit: users[username] for unit, username in REPORTERS}
    )
    # The 2023 campaigns are over: closed, with everything they recorded kept.
    for actor, finished in (
        (province_committee, province),
        (city_committee, dalian),
        (shanxi_committee, shanxi_campaign),
    ):
        campaign_update(actor=actor, campaign=finished, status=CampaignStatus.CLOSED)
