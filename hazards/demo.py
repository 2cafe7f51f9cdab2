"""The demo ledger: a month-by-month history of the 2023 campaign (May to December).

Built only through the real services (every call backdated with `now=`), so each record carries the
same events, receipts, reports and verifications a real one would. Deterministic (random.Random(2023))
and idempotent: once Liaoning has hazards it does nothing.

How it works: the whole year is planned first — self-inspections, department inspections and the
enterprises' own reports, each hazard with its later steps (confirm, hand over, plan, submit, verify,
extensions, listed supervision, withdrawal) at believable times — then every step of every hazard runs
in one timeline, oldest first, so codes, document numbers and ids follow the calendar. Steps that fall
after 2023 are dropped: that leaves the recent hazards in every open state. Last, the overdue sweep of
2 January 2024 flags the laggards.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone, translation
from PIL import Image

from organizations.choices import Role
from organizations.models import Department, Enterprise, Industry, Membership, Tenant, User

from .choices import HazardLevel, InspectionKind, ItemResult, ListingLevel, StopProduction
from .models import Criterion, Hazard, Inspection, SelfInspection
from .services import (
    hazard_acknowledge_handover,
    hazard_confirm,
    hazard_decide_extension,
    hazard_handover,
    hazard_list_supervision,
    hazard_plan,
    hazard_report,
    hazard_request_extension,
    hazard_submit,
    hazard_verify,
    hazard_withdraw,
)
from .services.inspections import (
    ChecklistLine,
    checklist_for,
    inspection_record,
    self_inspection_open,
    self_inspection_save,
    self_inspection_submit,
)
from .services.overdue import overdue_sweep

TZ = ZoneInfo("Asia/Shanghai")
YEAR = 2023
MONTHS = list(range(5, 13))
# The campaign ramps up over the summer and eases towards the winter shutdown.
MONTH_WEIGHTS = [0.7, 1.0, 1.2, 1.3, 1.3, 1.1, 1.0, 0.9]
# Public holidays of 2023 after May: Dragon Boat Festival, Mid-Autumn Festival and National Day.
HOLIDAYS = {dt.date(2023, 6, 22), dt.date(2023, 6, 23), dt.date(2023, 6, 24)} | {
    dt.date(2023, 9, 29) + dt.timedelta(days=offset) for offset in range(8)
}
SWEEP_DAY = dt.date(2024, 1, 2)

LIAONING_TOTAL = 300
SHANXI_TOTAL = 80
MAJOR_SHARE = 0.15
MAJOR_FROM_INSPECTIONS = 0.6
GENERAL_FROM_INSPECTIONS = 0.15

DALIAN = "210000/210200/"
TAIYUAN = "140000/140100/"
NAMED = {"大连恒泰石化储运有限公司": "dl-chem", "太原汾河煤业有限公司": "ty-coal"}
DALIAN_INSPECTORS = {
    "hazardous_chemicals": "dl-yj-inspector",
    "mines": "dl-yj-inspector",
    "industry_trade": "dl-yj-inspector",
    "construction": "dl-zj-inspector",
    "town_gas": "dl-zj-inspector",
}
GANJINGZI = "210211"


def aware(day: dt.date, hour: int = 9, minute: int = 0) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=TZ)  # zoneinfo: no localize step


END = aware(dt.date(2023, 12, 31), 18)


def local_date(moment: dt.datetime) -> dt.date:
    return timezone.localtime(moment, TZ).date()


def is_workday(day: dt.date) -> bool:
    return day.weekday() < 5 and day not in HOLIDAYS


# ------------------------------------------------------------------ what is found, per kind of enterprise


@dataclass(frozen=True)
class Finding:
    """A hazard as found on site; `criterion` ("standard-key:number") makes it major."""

    title: str
    description: str
    location: str
    measure: str
    criterion: str = ""
    only: tuple[str, ...] = ()  # words the enterprise's name must contain (e.g. 钢铁 for a blast furnace)


def G(title: str, description: str, location: str, measure: str, *only: str) -> Finding:
    return Finding(title, description, location, measure, "", only)


def M(criterion: str, title: str, description: str, location: str, measure: str, *only: str) -> Finding:
    return Finding(title, description, location, measure, criterion, only)


GENERAL: dict[str, list[Finding]] = {
    "hazardous_chemicals": [
        G(
            "储罐区可燃气体报警器失效",
            "{n}号罐组东北角可燃气体检测报警器显示故障，现场声光报警失效，未及时报修",
            "{n}号罐组",
            "更换可燃气体探测器并重新标定，恢复与中控室联网报警",
        ),
        G(
            "动火作业未办理作业票",
            "检修人员在{n}号泵房管线上进行焊接作业，未办理动火安全作业票，现场无监护人、未配置灭火器材",
            "{n}号泵房",
            "停止作业，补办动火安全作业票，对作业人员和监护人开展特殊作业培训",
        ),
        G(
            "防火堤穿堤管道封堵不严",
            "{n}号罐组防火堤穿堤管道处封堵材料脱落，物料泄漏时存在外溢风险",
            "{n}号罐组防火堤",
            "采用不燃材料重新封堵穿堤孔洞并做闭水试验",
        ),
        G(
            "装卸鹤位静电接地装置损坏",
            "汽车装卸站{n}号鹤位静电接地报警器损坏，接地夹无法夹紧槽车",
            "汽车装卸站",
            "更换静电接地报警器及接地夹，装车前增加接地确认",
        ),
        G(
            "安全阀超期未校验",
            "{n}号储罐罐顶安全阀校验有效期已过，未按期送检",
            "{n}号储罐罐顶",
            "安全阀送有资质单位校验，校验期间投用备用安全阀",
        ),
        G(
            "消防水炮锈蚀无法转动",
            "罐区{n}号固定式消防水炮转动部位锈死，无法调整喷射角度",
            "罐区消防道路",
            "拆检除锈润滑，纳入消防设施月度检查",
        ),
        G(
            "空气呼吸器气瓶压力不足",
            "气防柜内{n}具正压式空气呼吸器气瓶压力低于规定值，未及时充装",
            "中控室气防柜",
            "气瓶充装至额定压力，建立每周检查记录",
        ),
        G(
            "受限空间作业前未进行气体检测",
            "污水池清理作业前未检测氧含量和有毒气体即安排人员进入",
            "污水处理池",
            "按受限空间作业规范先通风、再检测、后作业，设专人监护",
        ),
        G(
            "作业人员未佩戴防护用品",
            "装卸作业人员未佩戴防护面罩和防静电手套",
            "汽车装卸站",
            "配发劳动防护用品，纳入班前安全检查",
        ),
        G(
            "管道介质名称和流向标识缺失",
            "{n}号管廊部分工艺管道未标注介质名称和流向",
            "{n}号管廊",
            "按标准补刷管道介质名称及流向标识",
        ),
        G(
            "呼吸阀阻火器堵塞",
            "{n}号内浮顶罐呼吸阀阻火器网堵塞，未按期清洗",
            "{n}号储罐罐顶",
            "清洗更换阻火器芯，纳入季度检维修计划",
        ),
        G(
            "中控室报警未及时处置",
            "DCS系统{n}号储罐高液位报警反复出现，当班操作人员未确认处置",
            "中控室",
            "修订报警管理制度，开展报警处置专项培训",
        ),
    ],
    "industry_trade": [
        G(
            "冲压设备光电保护装置失效",
            "{n}号冲床光电保护装置被人为屏蔽，双手操作按钮失效",
            "冲压车间",
            "恢复光电保护及双手操作按钮功能，对违章人员进行教育",
            "机械",
        ),
        G(
            "除尘管道积尘未及时清理",
            "打磨工位除尘管道内积尘较厚，未建立清扫记录",
            "打磨车间",
            "全面清理积尘，建立每班清扫制度",
            "机械",
            "钢铁",
        ),
        G(
            "砂轮机防护罩缺失",
            "机修间砂轮机未安装防护罩，托架与砂轮间距过大",
            "机修间",
            "安装防护罩，调整托架间距至3毫米以内",
        ),
        G(
            "起重机吊钩防脱钩装置损坏",
            "{n}号桥式起重机主钩防脱钩装置损坏，仍在使用",
            "装配车间",
            "更换防脱钩装置，开展起重机械专项检查",
        ),
        G(
            "配电箱未上锁、线路私拉乱接",
            "{n}号车间配电箱门未上锁，箱内线路私拉乱接，部分回路无漏电保护",
            "{n}号车间",
            "规范配电线路，加装漏电保护器并落实专人管理",
        ),
        G(
            "安全疏散通道堆放杂物",
            "车间安全疏散通道堆放原料和成品，通道宽度不足",
            "成品库房",
            "清理通道，施划通道标线并落实区域负责人",
        ),
        G(
            "叉车作业区未实行人车分流",
            "仓库叉车作业区与人行通道未分离，未设置限速标识",
            "仓储区",
            "施划人车分流标线，设置限速标识",
        ),
        G(
            "有限空间未设置警示标识",
            "厂区污水井、化粪池等有限空间未设置安全警示标识，未纳入台账管理",
            "厂区污水井",
            "设置警示标识，建立有限空间台账",
        ),
        G(
            "氨机房事故排风机故障",
            "液氨制冷机房事故排风机无法启动，未与氨气浓度报警联锁",
            "氨制冷机房",
            "维修事故排风机，实现与氨浓度报警联锁",
            "冷链",
            "食品",
        ),
        G(
            "传动部位无防护罩",
            "包装线{n}号输送机链轮传动部位未设置防护罩",
            "包装车间",
            "加装防护罩并设置警示标识",
        ),
        G(
            "消防车通道被占用",
            "冷库月台消防车通道被货车和托盘占用",
            "冷库月台",
            "清理占用物，设置禁停标识",
            "冷链",
            "食品",
        ),
        G(
            "煤气区域巡检未携带便携式报警仪",
            "高炉煤气管道巡检人员未携带便携式一氧化碳报警仪",
            "煤气管网",
            "配发便携式报警仪，纳入巡检必带装备",
            "钢铁",
        ),
    ],
    "coal": [
        G(
            "井下局部通风机停运",
            "{n}号掘进工作面局部通风机检修停运，未及时撤出作业人员",
            "{n}号掘进工作面",
            "恢复双风机双电源自动切换，严格执行停风撤人制度",
        ),
        G(
            "瓦斯传感器吊挂位置不符合规定",
            "{n}号回风巷瓦斯传感器距顶板距离超过300毫米",
            "{n}号回风巷",
            "按规定重新吊挂传感器并进行调校",
        ),
        G(
            "带式输送机防跑偏装置失效",
            "主斜井带式输送机跑偏保护装置失效，未及时修复",
            "主斜井",
            "修复跑偏保护装置，完善保护试验记录",
        ),
        G(
            "井下电缆吊挂不规范",
            "运输大巷电缆吊挂间距过大，部分电缆落地",
            "运输大巷",
            "按规定重新吊挂电缆",
        ),
        G(
            "自救器未按规定检查",
            "部分入井人员携带的压缩氧自救器超过检查期限",
            "矿灯房",
            "对自救器全面检查，建立检查台账",
        ),
        G(
            "巷道积尘未及时冲洗",
            "{n}号顺槽巷道积尘严重，未按规定冲洗",
            "{n}号顺槽",
            "冲洗巷道积尘，落实定期清扫制度",
        ),
        G(
            "液压支架初撑力不足",
            "{n}号综采工作面部分液压支架初撑力达不到规定值",
            "{n}号综采工作面",
            "检修乳化液泵站，逐架补液达到规定初撑力",
        ),
        G(
            "转载点喷雾装置不能正常使用",
            "采区转载点喷雾装置堵塞，降尘效果差",
            "采区转载点",
            "疏通喷雾装置，更换喷嘴",
        ),
        G(
            "井下消防材料库器材不足",
            "井下消防材料库灭火器、砂箱数量不足",
            "井下消防材料库",
            "按规定补充消防器材",
        ),
        G(
            "绞车信号装置失灵",
            "副斜井绞车声光信号装置失灵",
            "副斜井",
            "修复信号装置，完成联合试验",
        ),
        G(
            "避难硐室压风自救装置压力不足",
            "永久避难硐室压风自救装置供气压力不足",
            "永久避难硐室",
            "检修压风管路，保证供气压力",
        ),
    ],
    "nonmetal": [
        G(
            "边坡浮石未及时清理",
            "露天采场{n}号台阶边坡存在浮石，未及时清理",
            "露天采场{n}号台阶",
            "组织清理浮石，加强边坡巡查",
        ),
        G("运输道路挡车墙缺失", "矿区运输道路临边段挡车墙缺失", "矿区运输道路", "按标准修筑挡车墙"),
        G(
            "皮带机防护栏缺失",
            "破碎车间皮带机两侧防护栏缺失，未设置急停拉绳",
            "破碎车间",
            "加装防护栏和急停拉绳",
        ),
        G(
            "爆破器材库值守人员脱岗",
            "检查时爆破器材库值守人员不在岗",
            "爆破器材库",
            "严格执行双人值守制度，完善视频监控",
        ),
        G(
            "边坡监测数据未及时分析",
            "边坡在线监测系统未设置报警阈值，数据未按规定分析",
            "监控室",
            "设置报警阈值，建立数据分析制度",
        ),
        G(
            "采场作业平台宽度不足",
            "露天采场{n}号平台宽度小于设计要求",
            "露天采场{n}号平台",
            "按设计修整平台宽度",
        ),
        G(
            "储气罐安全阀超期未校验",
            "空压机房储气罐安全阀超过校验有效期",
            "空压机房",
            "安全阀送检，期间停用该储气罐",
        ),
    ],
    "construction": [
        G(
            "脚手架连墙件缺失",
            "{n}号楼外脚手架12层至15层连墙件缺失，未按专项方案设置",
            "{n}号楼外立面",
            "按专项方案补设连墙件，经验收合格后使用",
        ),
        G(
            "临边洞口防护不到位",
            "{n}号楼电梯井口未设置防护门，楼层临边防护栏杆缺失",
            "{n}号楼电梯井",
            "设置定型化防护门和防护栏杆，挂设警示标识",
        ),
        G(
            "施工用电未实行三级配电两级保护",
            "施工现场开关箱漏电保护器失效，存在一闸多机",
            "施工现场配电系统",
            "规范配电系统，更换漏电保护器",
        ),
        G(
            "高处作业人员未系安全带",
            "{n}号楼外架作业人员未系挂安全带",
            "{n}号楼外架",
            "对作业人员进行安全教育，设置安全绳并加强旁站监督",
        ),
        G(
            "基坑周边堆载超限",
            "基坑边1米范围内堆放钢筋等材料",
            "基坑北侧",
            "清运堆载，设置防护栏杆及限载标识",
        ),
        G(
            "施工升降机层门联锁失效",
            "{n}号楼施工升降机层门机械联锁失效",
            "{n}号楼施工升降机",
            "维修层门联锁，落实每日班前检查",
        ),
        G(
            "模板支撑架立杆间距过大",
            "地下室顶板模板支撑架立杆间距超出方案要求",
            "地下室顶板",
            "按方案加密立杆，经验收后浇筑混凝土",
        ),
        G(
            "气瓶间距不足",
            "作业点氧气瓶与乙炔瓶间距不足5米，乙炔瓶卧放使用",
            "钢结构加工区",
            "规范气瓶存放和使用间距，乙炔瓶直立使用",
        ),
        G(
            "生活区消防器材配备不足",
            "工人生活区宿舍未配备灭火器，存在私拉电线现象",
            "工人生活区",
            "配齐灭火器，拆除私拉电线，设置集中充电区",
        ),
        G(
            "塔吊司索信号工未持证上岗",
            "{n}号塔吊司索信号工未取得建筑施工特种作业操作资格证",
            "{n}号塔吊",
            "更换持证人员上岗，组织取证培训",
        ),
    ],
    "town_gas": [
        G(
            "燃气管道腐蚀",
            "{road}架空中压燃气管道外防腐层脱落，管壁局部锈蚀",
            "{road}架空管段",
            "除锈后重新做防腐，缩短巡检周期",
        ),
        G(
            "调压箱未上锁",
            "居民小区{n}号调压箱箱门未上锁，周边堆放杂物",
            "小区调压箱",
            "加锁并清理杂物，张贴警示标识",
        ),
        G(
            "液化石油气钢瓶超期未检",
            "供应站内{n}只液化石油气钢瓶超过检验期限仍在充装",
            "液化气供应站",
            "停止使用超期钢瓶，送检或报废",
        ),
        G(
            "燃气泄漏报警器失效",
            "门站燃气泄漏报警器故障，未及时修复",
            "燃气门站",
            "更换报警探头，联网测试合格",
        ),
        G(
            "燃气管道被占压",
            "{road}中压燃气管道上方违章搭建临时建筑",
            "{road}",
            "会同街道拆除占压建筑，设置管道标志桩",
        ),
        G(
            "用户燃气软管老化",
            "入户安检发现餐饮用户燃气软管老化龟裂，未使用金属波纹管",
            "餐饮用户厨房",
            "督促用户更换金属波纹管并加装报警切断装置",
        ),
        G(
            "阀门井积水、阀门锈蚀",
            "{n}号阀门井积水，阀门锈蚀启闭困难",
            "{n}号阀门井",
            "抽排积水，更换锈蚀阀门",
        ),
        G(
            "站区防雷检测过期",
            "储配站防雷装置检测报告已过有效期",
            "储配站",
            "委托有资质机构进行防雷检测",
        ),
        G(
            "管道巡线记录缺失",
            "{road}段中压管道近一个月巡线记录缺失",
            "管网运行所",
            "恢复巡线并启用巡检定位系统",
        ),
    ],
}

MAJOR: dict[str, list[Finding]] = {
    "hazardous_chemicals": [
        M(
            "hazardous-chemicals-2017:5",
            "重大危险源罐区未设紧急切断",
            "一级重大危险源液化石油气球罐进出料管线未设置紧急切断阀",
            "球罐区",
            "加装气动紧急切断阀并接入安全仪表系统",
        ),
        M(
            "hazardous-chemicals-2017:4",
            "紧急停车系统未投用",
            "重点监管危险化工工艺装置紧急停车系统长期处于旁路状态",
            "{n}号装置",
            "恢复紧急停车系统投用，建立联锁摘除审批制度",
        ),
        M(
            "hazardous-chemicals-2017:7",
            "液化烃装卸未使用万向管道充装系统",
            "液化石油气汽车装卸仍使用金属软管连接",
            "汽车装卸站",
            "更换为万向管道充装系统",
        ),
        M(
            "hazardous-chemicals-2017:12",
            "爆炸危险区域电气设备不防爆",
            "甲类仓库内照明灯具、开关为非防爆型",
            "甲类仓库",
            "更换为防爆电气设备并经检测合格",
        ),
        M(
            "hazardous-chemicals-2017:15",
            "安全阀前切断阀关闭",
            "{n}号储罐安全阀前切断阀处于关闭状态，安全阀无法正常起跳",
            "{n}号储罐",
            "开启切断阀并铅封，建立安全附件台账",
        ),
        M(
            "hazardous-chemicals-2017:18",
            "受限空间作业未办理作业许可",
            "{n}号储罐清罐作业未办理受限空间安全作业票，未进行气体检测",
            "{n}号储罐",
            "停止作业，严格执行特殊作业许可制度",
        ),
        M(
            "hazardous-chemicals-2017:20",
            "禁忌物料混存",
            "氧化剂与易燃液体混存于同一库房，且超量存放",
            "{n}号仓库",
            "禁忌物分库存放，重新核定库房储存量",
        ),
        M(
            "hazardous-chemicals-2017:14",
            "自动化控制系统未设不间断电源",
            "DCS控制系统未设置UPS不间断电源",
            "机柜间",
            "加装UPS电源，完成切换测试",
        ),
    ],
    "industry_trade": [
        M(
            "industry-trade-2023:D1",
            "粉尘爆炸危险场所除尘系统失效",
            "铝镁粉尘湿式除尘系统未与打磨设备联锁，除尘器水位不足",
            "抛光车间",
            "实现除尘系统与打磨设备联锁，加装水位监测",
            "机械",
        ),
        M(
            "industry-trade-2023:A1",
            "氨机房区域设有人员作业车间",
            "包装车间设置在液氨制冷机房同一建筑内，人员密集",
            "冷库包装车间",
            "将包装车间迁出氨机房所在建筑",
            "冷链",
            "食品",
        ),
        M(
            "industry-trade-2023:C1",
            "有限空间作业未检测未管控",
            "污水池清淤作业前未检测硫化氢浓度，未实行作业审批",
            "污水处理站",
            "建立有限空间作业审批制度，配备检测和防护设备",
        ),
        M(
            "industry-trade-2023:M1",
            "煤气区域一氧化碳报警装置失效",
            "高炉煤气区域固定式一氧化碳报警器失效",
            "高炉煤气区域",
            "更换报警器并接入集中监控",
            "钢铁",
        ),
        M(
            "industry-trade-2023:G1",
            "承包单位未纳入统一安全管理",
            "外包检修单位未纳入统一安全协调管理，未签订安全管理协议",
            "检修现场",
            "签订安全管理协议，将承包单位纳入统一管理",
        ),
    ],
    "coal": [
        M(
            "coal-mines-2020:2",
            "瓦斯超限作业",
            "{n}号回采工作面上隅角瓦斯浓度达1.2%仍组织生产",
            "{n}号回采工作面",
            "停止作业撤出人员，加强瓦斯抽采和上隅角瓦斯治理",
        ),
        M(
            "coal-mines-2020:5",
            "通风系统不完善",
            "二采区未实现分区通风，存在串联通风",
            "二采区",
            "调整通风系统，实现分区通风",
        ),
        M(
            "coal-mines-2020:6",
            "水患未采取有效措施",
            "{n}号掘进工作面前方老空区积水未探明即组织掘进",
            "{n}号掘进工作面",
            "停止掘进，按规定探放水",
        ),
        M(
            "coal-mines-2020:9",
            "采空区自然发火未采取有效措施",
            "{n}号采空区一氧化碳浓度持续升高，未采取注氮等防灭火措施",
            "{n}号采空区",
            "实施注氮、灌浆防灭火并加强束管监测",
        ),
        M(
            "coal-mines-2020:10",
            "使用明令淘汰的设备",
            "井下主运输系统仍使用明令禁止的非阻燃输送带",
            "主运输大巷",
            "更换为阻燃输送带",
        ),
        M(
            "coal-mines-2020:1",
            "超强度组织生产",
            "月原煤产量超过核定生产能力10%以上",
            "生产调度室",
            "按核定能力重新编制生产计划",
        ),
    ],
    "nonmetal": [
        M(
            "metal-nonmetal-mines-2022:1",
            "安全出口少于两个",
            "地下开采{n}中段仅有一个通往地面的安全出口",
            "{n}中段",
            "施工第二安全出口并设置明显标志",
        ),
        M(
            "metal-nonmetal-mines-2022:3",
            "排土场堆置高度超出设计",
            "{n}号排土场堆置高度超出设计12米",
            "{n}号排土场",
            "停止排土，按设计削坡减载",
        ),
    ],
    "construction": [
        M(
            "construction-2022:3",
            "危大工程无专项方案",
            "开挖深度7.5米的深基坑未编制专项施工方案、未经专家论证",
            "{n}号地块基坑",
            "停止开挖，编制专项方案并组织专家论证",
        ),
        M(
            "construction-2022:4",
            "塔式起重机未经检验投入使用",
            "{n}号塔吊安装后未经检验即投入使用",
            "{n}号塔吊",
            "停止使用，经检验合格并办理使用登记后恢复",
        ),
        M(
            "construction-2022:2",
            "项目负责人未取得安全生产考核合格证书",
            "项目负责人未取得安全生产考核合格证书即组织施工",
            "项目部",
            "更换持证项目负责人",
        ),
    ],
    "town_gas": [
        M(
            "town-gas-2023:4",
            "储罐未设压力液位监测",
            "LNG储罐液位计故障，压力未接入远传监测",
            "储配站",
            "修复液位计，压力液位接入远传监测系统",
        ),
        M(
            "town-gas-2023:2",
            "未建立隐患排查治理制度",
            "企业未建立事故隐患排查治理制度，未开展定期排查",
            "安全管理部",
            "建立隐患排查治理制度并开展全面排查",
        ),
        M(
            "town-gas-2023:3",
            "未制定生产安全事故应急预案",
            "企业未制定燃气泄漏生产安全事故应急预案",
            "安全管理部",
            "编制应急预案并组织演练",
        ),
    ],
}

# What an enterprise writes against a general checklist item it marks as a hazard.
CHECKLIST_FINDINGS = {
    "GEN-1": ("新设岗位未制定安全生产责任清单，部分岗位责任制未更新", "安全管理部"),
    "GEN-2": ("班组级隐患排查未留存记录，排查台账不完整", "安全管理部"),
    "GEN-3": ("新任安全管理人员未参加安全生产知识和管理能力考核", "安全管理部"),
    "GEN-4": ("2名电焊工特种作业操作证超期未复审", "检修班组"),
    "GEN-5": ("本年度未开展现场处置方案演练", "应急管理办公室"),
    "GEN-6": ("新入职员工三级安全教育记录缺失", "人力资源部"),
}
CHECKLIST_MEASURES = {
    "GEN-1": "修订全员安全生产责任制，补充岗位责任清单",
    "GEN-2": "完善隐患排查台账，落实班组级排查记录",
    "GEN-3": "组织新任安全管理人员参加考核",
    "GEN-4": "安排人员参加复审，复审前停止特种作业",
    "GEN-5": "制定演练计划并组织现场处置方案演练",
    "GEN-6": "补开展三级安全教育并建立培训档案",
}

CONTINGENCY = {
    "hazardous_chemicals": [
        "整改期间降低储存液位，增加巡检频次，现场配备应急物资",
        "相关设备停用并倒罐，设置警戒区，落实专人监护",
    ],
    "industry_trade": ["整改期间停用相关设备，设置警示标识，落实专人看护", "整改期间加强巡检，每班检查一次"],
    "coal": ["整改期间停止相关区域作业，撤出人员，加强瓦斯和水情监测", "整改期间限产，加强通风和巡查"],
    "nonmetal": ["整改期间停止相关区域作业，设置警戒", "整改期间加强边坡监测和巡查"],
    "construction": ["整改期间停止相关部位施工，设置警戒区域", "整改期间安排专职安全员旁站监督"],
    "town_gas": ["整改期间加密巡检并设置警示，备好抢修物资", "整改期间降压运行，落实24小时值守"],
}
ROADS = ["黄河路", "华北路", "西南路", "中山路", "东北路", "五一路", "金马路"]
EXTENSION_REASONS = [
    "整改需采购专用设备，厂家供货周期较长",
    "整改涉及停产检修，需与上下游生产统筹安排",
    "冬季低温施工条件受限，部分工程需延后",
    "需委托设计单位出具整改设计方案",
    "整改资金审批流程尚未完成",
]
REFUSALS = ["整改措施可在原期限内完成，不予延期", "企业临时管控措施落实不到位，不同意延期"]
APPROVALS = ["同意延期，延期期间落实临时管控措施", "同意延期，请按新期限完成整改", ""]
REJECTIONS = ["现场核查整改不到位，需补充完善", "整改资料不全，缺少检测报告", "联锁未投用，不予销号"]
ACCEPTS = ["现场核查，整改到位，同意销号", "整改措施已落实，验收合格", "经复查整改完成，予以销号"]
WITHDRAWALS = ["与已登记隐患重复", "经现场核实不属于事故隐患，系误报", "与已登记隐患重复（同一问题重复录入）"]
KIND_WORDS = {
    InspectionKind.ROUTINE: "日常执法检查",
    InspectionKind.UNANNOUNCED: "“四不两直”暗查暗访",
    InspectionKind.COVERT: "明查暗访",
    InspectionKind.CROSS_REGION: "跨区域交叉检查",
    InspectionKind.EXPERT_ASSISTED: "专家指导服务",
    InspectionKind.REINSPECTION: "复查",
}
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董程曹袁邓许傅沈曾彭吕"
GIVEN_NAMES = [
    "志刚",
    "海涛",
    "丽娟",
    "建华",
    "晓东",
    "春梅",
    "国庆",
    "玉兰",
    "德明",
    "立伟",
    "秀英",
    "红霞",
    "振宇",
    "文杰",
    "雪梅",
    "宏伟",
    "俊峰",
    "淑华",
    "永刚",
    "桂芳",
    "明辉",
    "晓燕",
    "庆祥",
    "凤霞",
]


# ------------------------------------------------------------------ the plan


@dataclass(frozen=True)
class Listing:
    user: User
    level: str
    body: str
    prefix: str  # document number prefix, e.g. 大安委


@dataclass
class Site:
    """An enterprise the demo uses, with the people who act on its hazards."""

    enterprise: Enterprise
    industry: Industry
    kind: str  # key of GENERAL / MAJOR
    officer: User
    head: User
    inspector: User
    department: Department
    committees: list[Listing]
    weight: float
    months: list[int] = field(default_factory=list)  # months it files a self-inspection

    def fits(self, finding: Finding) -> bool:
        return not finding.only or any(word in self.enterprise.name for word in finding.only)


@dataclass
class Spec:
    """One hazard to be: where, when, how found, what grade."""

    site: Site
    at: dt.datetime
    level: str
    channel: str  # "inspection", "report" or "checklist"
    finding: Finding
    title: str
    description: str
    location: str
    criterion: Criterion | None
    hazard: Hazard | None = None


@dataclass
class Episode:
    """A moment of discovery: a department inspection, a self-inspection or a report."""

    site: Site
    at: dt.datetime
    channel: str
    specs: list[Spec] = field(default_factory=list)
    kind: str = ""
    answers: dict[str, dict[str, str]] = field(default_factory=dict)


Step = tuple[dt.datetime, int, Callable[[], object]]


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (90, 140, 90)).save(buffer, "PNG")
    return buffer.getvalue()


class LedgerSeeder:
    def __init__(self) -> None:
        self.rng = random.Random(2023)
        self.steps: list[Step] = []
        self.sequence = 0
        self.password_hash = ""
        self.photo = _png()
        self.criteria = {
            f"{c.standard.key}:{c.number}": c
            for c in Criterion.objects.filter(standard__is_current=True).select_related("standard")
        }
        self.criterion_keys = {c.pk: key for key, c in self.criteria.items()}
        self.documents: dict[str, int] = {}
        self.checklists: dict[int, list[ChecklistLine]] = {}

    # -------------------------------------------------------------- people and places

    def user(self, username: str) -> User:
        return User.objects.get(username=username)

    def enterprise_user(self, enterprise: Enterprise, role: str, suffix: str) -> User:
        username = f"ent-{enterprise.pk}-{suffix}"
        user = User.objects.filter(username=username).first()
        if user is None:
            if not self.password_hash:
                user = User(username=username)
                user.set_password(settings.DEMO_PASSWORD)
                # One hash for every new account: hashing a hundred times would take a minute.
                self.password_hash = user.password
            user = User.objects.create(
                username=username,
                tenant_id=enterprise.tenant_id,
                full_name=self.rng.choice(SURNAMES) + self.rng.choice(GIVEN_NAMES),
                phone=f"139{self.rng.randint(10000000, 99999999)}",
                password=self.password_hash,
            )
        Membership.objects.get_or_create(
            tenant_id=enterprise.tenant_id, user=user, role=role, enterprise=enterprise
        )
        return User.objects.get(pk=user.pk)  # a fresh object: scope_for memoises on the instance

    def department_of(self, inspector: User) -> Department:
        membership = Membership.objects.select_related("department").get(user=inspector, role=Role.INSPECTOR)
        assert membership.department is not None
        return membership.department

    def sites(self, tenant: Tenant) -> list[Site]:
        if tenant.slug == "liaoning":
            prefix, coverage = DALIAN, DALIAN_INSPECTORS
            city = Listing(self.user("dl-committee"), ListingLevel.CITY, "大连市安全生产委员会", "大安委")
            county = Listing(
                self.user("gjz-committee"), ListingLevel.COUNTY, "甘井子区安全生产委员会", "甘安委"
            )
        else:
            prefix, coverage = TAIYUAN, {"mines": "ty-yj-inspector"}
            city = Listing(self.user("ty-committee"), ListingLevel.CITY, "太原市安全生产委员会", "并安委")
            county = city
        inspectors = {code: self.user(name) for code, name in coverage.items()}
        departments = {user.pk: self.department_of(user) for user in inspectors.values()}
        enterprises = (
            Enterprise.objects.filter(tenant=tenant, region_path__startswith=prefix)
            .select_related("region")
            .prefetch_related("industries")
            .order_by("pk")
        )
        sites: list[Site] = []
        for enterprise in enterprises:
            industry = next((i for i in enterprise.industries.all() if i.code in coverage), None)
            if industry is None or enterprise.status != "operating":
                continue
            named = NAMED.get(enterprise.name)
            if named:
                officer, head = self.user(f"{named}-officer"), self.user(f"{named}-head")
            else:
                officer = self.enterprise_user(enterprise, Role.ENTERPRISE_OFFICER, "officer")
                head = self.enterprise_user(enterprise, Role.ENTERPRISE_HEAD, "head")
            kind = industry.code
            if kind == "mines":
                kind = "coal" if "煤" in enterprise.name else "nonmetal"
            inspector = inspectors[industry.code]
            committees = [city]
            if enterprise.region.code == GANJINGZI:
                committees.append(county)
            sites.append(
                Site(
                    enterprise=enterprise,
                    industry=industry,
                    kind=kind,
                    officer=officer,
                    head=head,
                    inspector=inspector,
                    department=departments[inspector.pk],
                    committees=committees,
                    weight=6.0 if named else self.rng.choice([0.6, 1.0, 1.0, 1.5, 2.0]),
                )
            )
        return sites

    # -------------------------------------------------------------- time

    def random_moment(self, *, office: bool) -> dt.datetime:
        month = self.rng.choices(MONTHS, weights=MONTH_WEIGHTS)[0]
        last = (dt.date(YEAR + (month == 12), month % 12 + 1, 1) - dt.timedelta(days=1)).day
        day = dt.date(YEAR, month, self.rng.randint(1, last))
        if office:
            while not is_workday(day):
                day -= dt.timedelta(days=1)
            day = max(day, dt.date(YEAR, 5, 4))
        return aware(day, self.rng.randint(8, 16), self.rng.choice([0, 10, 20, 30, 40, 50]))

    def later(self, moment: dt.datetime, low: int, high: int, *, office: bool = False) -> dt.datetime:
        """A moment `low`..`high` days after `moment`, in working hours; officials keep to workdays."""
        today = local_date(moment)
        day = today + dt.timedelta(days=self.rng.randint(low, high))
        while office and not is_workday(day):
            day += dt.timedelta(days=1)
        candidate = aware(day, self.rng.randint(8, 17), self.rng.choice([0, 15, 30, 45]))
        if candidate <= moment + dt.timedelta(minutes=20):
            candidate = moment + dt.timedelta(minutes=self.rng.randint(30, 150))
        return candidate

    # -------------------------------------------------------------- discovery

    def text(self, template: str) -> str:
        return template.format(n=self.rng.randint(1, 8), road=self.rng.choice(ROADS))

    def pick(self, site: Site, level: str) -> tuple[Finding, Criterion | None]:
        pool = MAJOR[site.kind] if level == HazardLevel.MAJOR else GENERAL[site.kind]
        finding = self.rng.choice([f for f in pool if site.fits(f)])
        return finding, self.criteria.get(finding.criterion) if finding.criterion else None

    def spec(self, site: Site, at: dt.datetime, level: str, channel: str) -> Spec:
        finding, criterion = self.pick(site, level)
        n = str(self.rng.randint(1, 8))
        road = self.rng.choice(ROADS)
        return Spec(
            site=site,
            at=at,
            level=level,
            channel=channel,
            finding=finding,
            title=finding.title,
            description=finding.description.format(n=n, road=road),
            location=finding.location.format(n=n, road=road),
            criterion=criterion,
        )

    def checklist(self, enterprise: Enterprise) -> list[ChecklistLine]:
        if enterprise.pk not in self.checklists:
            self.checklists[enterprise.pk] = checklist_for(enterprise)
        return self.checklists[enterprise.pk]

    def standard_item(self, line: ChecklistLine) -> str:
        """ "standard-key:number" of a criterion line; "" for a general item."""
        return self.criterion_keys.get(line.criterion_id, "") if line.criterion_id else ""

    def self_inspection_episode(self, site: Site, month: int) -> Episode:
        rng = self.rng
        day = dt.date(YEAR, month, rng.randint(20, 28))
        episode = Episode(site, aware(day, rng.randint(14, 17), rng.choice([0, 20, 40])), "checklist")
        lines = self.checklist(site.enterprise)
        other = "coal-mines-2020" if site.kind == "nonmetal" else "metal-nonmetal-mines-2022"
        own_majors = {f.criterion: f for f in MAJOR[site.kind] if site.fits(f)}
        hazard_line: str | None = None
        roll = rng.random()
        if roll < 0.035:
            keys = [line.key for line in lines if self.standard_item(line) in own_majors]
            hazard_line = rng.choice(keys) if keys else None
        elif roll < 0.25:
            hazard_line = rng.choice([line.key for line in lines if line.general_code])
        for line in lines:
            key = self.standard_item(line)
            if line.key == hazard_line:
                if line.general_code:
                    description, location = CHECKLIST_FINDINGS[line.general_code]
                    finding = G(line.label, description, location, CHECKLIST_MEASURES[line.general_code])
                    level, criterion = HazardLevel.GENERAL, None
                else:
                    finding = own_majors[key]
                    description = self.text(finding.description)
                    location = self.text(finding.location)
                    level, criterion = HazardLevel.MAJOR, self.criteria[key]
                episode.answers[line.key] = {
                    "result": ItemResult.HAZARD,
                    "description": description,
                    "location": location,
                }
                episode.specs.append(
                    Spec(
                        site,
                        episode.at,
                        level,
                        "checklist",
                        finding,
                        line.label,
                        description,
                        location,
                        criterion,
                    )
                )
            elif key.startswith((other, "fireworks", "civil-explosives")) or (
                line.criterion_id and rng.random() < 0.06
            ):
                episode.answers[line.key] = {"result": ItemResult.NOT_APPLICABLE}
            else:
                episode.answers[line.key] = {"result": ItemResult.OK}
        return episode

    def plan_tenant(self, sites: list[Site], total: int) -> list[Episode]:
        rng = self.rng
        episodes: list[Episode] = []
        # Monthly self-inspections: the named enterprises every month, most others for a run of months.
        for site in sites:
            if site.enterprise.name in NAMED:
                site.months = list(MONTHS)
            elif site.enterprise.region_path.startswith(DALIAN) and rng.random() < 0.7:
                start = rng.randint(5, 9)
                site.months = [m for m in range(start, 13) if rng.random() < 0.8]
            episodes += [self.self_inspection_episode(site, month) for month in site.months]
        from_checklists = [spec for episode in episodes for spec in episode.specs]
        checklist_majors = sum(spec.level == HazardLevel.MAJOR for spec in from_checklists)
        majors = round(total * MAJOR_SHARE)
        major_inspections = round(majors * MAJOR_FROM_INSPECTIONS)
        major_reports = majors - major_inspections - checklist_majors
        generals = total - majors
        general_inspections = round(generals * GENERAL_FROM_INSPECTIONS)
        general_reports = generals - general_inspections - (len(from_checklists) - checklist_majors)

        weights = [site.weight for site in sites]
        # Department inspections: each major finding in an inspection of its own, general findings
        # spread over those and further inspections; a few find nothing.
        inspections = [
            Episode(site, self.random_moment(office=True), "inspection")
            for site in rng.choices(
                sites, weights=weights, k=major_inspections + general_inspections // 2 + 4
            )
        ]
        for index, episode in enumerate(inspections):
            if index < major_inspections:
                episode.specs.append(self.spec(episode.site, episode.at, HazardLevel.MAJOR, "inspection"))
        for _ in range(general_inspections):
            episode = rng.choice(inspections[: major_inspections + general_inspections // 2])
            episode.specs.append(self.spec(episode.site, episode.at, HazardLevel.GENERAL, "inspection"))
        for episode in inspections:
            major = any(spec.level == HazardLevel.MAJOR for spec in episode.specs)
            episode.kind = rng.choices(
                [
                    InspectionKind.UNANNOUNCED,
                    InspectionKind.ROUTINE,
                    InspectionKind.COVERT,
                    InspectionKind.CROSS_REGION,
                    InspectionKind.EXPERT_ASSISTED,
                    InspectionKind.REINSPECTION,
                ],
                weights=[45, 15, 15, 10, 15, 0] if major else [35, 30, 10, 8, 10, 7],
            )[0]
        episodes += inspections
        for level, count in ((HazardLevel.MAJOR, major_reports), (HazardLevel.GENERAL, general_reports)):
            for site in rng.choices(sites, weights=weights, k=max(count, 0)):
                at = self.random_moment(office=False)
                episodes.append(Episode(site, at, "report", [self.spec(site, at, level, "report")]))
        return episodes

    # -------------------------------------------------------------- the life of one hazard

    def schedule(self, at: dt.datetime, action: Callable[..., object], *args: object) -> None:
        self.sequence += 1
        self.steps.append((at, self.sequence, functools.partial(action, *args)))

    def plan_life(self, spec: Spec) -> None:
        """Plan every later step of one hazard; steps after the end of 2023 never happen."""
        rng, site = self.rng, spec.site
        chain: list[tuple[dt.datetime, Callable[..., object], tuple[object, ...]]] = []
        major = spec.level == HazardLevel.MAJOR
        t = spec.at
        committee = rng.choice(site.committees)
        withdrawn = rng.random() < 0.025
        if spec.channel != "inspection":
            t = self.later(t, 0, 12 if rng.random() < 0.05 else 3, office=True)
            if withdrawn:
                chain.append((t, self.withdraw, (spec, rng.choice([site.inspector, committee.user]))))
                return self.commit(chain)
            if major:
                confirmer = site.inspector if rng.random() < 0.8 else committee.user
            else:
                confirmer = site.head if rng.random() < 0.7 else site.inspector
            chain.append((t, self.confirm, (spec, confirmer)))
        elif withdrawn:
            t = self.later(t, 1, 6, office=True)
            chain.append((t, self.withdraw, (spec, site.inspector)))
            return self.commit(chain)
        listing_deadline: dt.date | None = None
        if major:
            t = self.later(t, 0, 3, office=True)
            chain.append(
                (t, self.handover, (spec, committee.user if rng.random() < 0.65 else site.inspector))
            )
            if rng.random() < 0.93:
                t = self.later(t, 0, 2, office=True)
                chain.append((t, self.acknowledge, (spec,)))
            if rng.random() < 0.4:
                t = self.later(t, 1, 6, office=True)
                listing_deadline = local_date(t) + dt.timedelta(days=rng.randint(60, 120))
                chain.append((t, self.list_supervision, (spec, committee, listing_deadline)))
            t = self.later(t, 1, 5)
            span = rng.randint(30, 90)
        else:
            t = self.later(t, 0, 4)
            span = rng.randint(7, 30)
        planned = local_date(t)
        deadline = planned + dt.timedelta(days=span)
        if listing_deadline:
            deadline = min(deadline, listing_deadline)
        laggard = dt.date(YEAR, 8, 1) <= local_date(spec.at) <= dt.date(YEAR, 11, 15) and rng.random() < (
            0.25 if major else 0.07
        )
        if laggard:  # rectification stalls: the deadline falls in late 2023 and passes
            deadline = max(
                planned + dt.timedelta(days=7), min(deadline, dt.date(YEAR, 12, rng.randint(1, 26)))
            )
        chain.append((t, self.plan, (spec, deadline)))
        if rng.random() < (0.5 if laggard else 0.25 if major else 0.03):
            request = aware(deadline - dt.timedelta(days=rng.randint(3, 10)), rng.randint(9, 16))
            if request <= t:
                request = self.later(t, 1, 3)
            new_deadline = deadline + dt.timedelta(days=rng.randint(15, 45))
            chain.append((request, self.request_extension, (spec, new_deadline)))
            t = self.later(request, 1, 4, office=True)
            approved = rng.random() < (0.3 if laggard else 0.7)
            decider = committee.user if rng.random() < 0.5 else site.inspector
            chain.append((t, self.decide_extension, (spec, decider, approved)))
            if approved and not laggard:
                deadline = new_deadline
        if laggard:
            return self.commit(chain)
        left = max((deadline - local_date(t)).days, 1)
        submitted = aware(
            local_date(t) + dt.timedelta(days=rng.randint(max(left // 3, 1), left)), rng.randint(9, 17)
        )
        t = max(submitted, t + dt.timedelta(hours=2))
        chain.append((t, self.submit, (spec,)))
        if major:
            verifier = site.inspector if rng.random() < 0.75 else committee.user
        elif spec.channel == "inspection":
            verifier = site.inspector
        else:
            verifier = site.head if rng.random() < 0.65 else site.inspector
        if rng.random() < 0.08:
            regulator = committee.user if verifier == committee.user else site.inspector
            t = self.later(t, 1, 6, office=True)
            chain.append((t, self.verify, (spec, regulator, False)))
            t = self.later(t, 3, 12)
            chain.append((t, self.submit, (spec,)))
        t = self.later(t, 1, 7, office=verifier != site.head)
        if major and spec.channel == "inspection" and verifier == site.inspector and rng.random() < 0.6:
            chain.append((t, self.reinspect, (spec,)))
            t += dt.timedelta(minutes=rng.randint(20, 90))
        chain.append((t, self.verify, (spec, verifier, True)))
        return self.commit(chain)

    def commit(self, chain: list[tuple[dt.datetime, Callable[..., object], tuple[object, ...]]]) -> None:
        for at, action, args in chain:
            if at > END:
                break
            self.schedule(at, action, *args, at)

    # -------------------------------------------------------------- steps (each one service call)

    def discover(self, episode: Episode, at: dt.datetime) -> None:
        site = episode.site
        if episode.channel == "report":
            spec = episode.specs[0]
            spec.hazard = hazard_report(
                actor=site.officer if self.rng.random() < 0.8 else site.head,
                enterprise=site.enterprise,
                industry=site.industry,
                title=spec.title,
                description=spec.description,
                location=spec.location,
                now=at,
            )
        elif episode.channel == "checklist":
            draft = self_inspection_open(
                actor=site.officer, enterprise=site.enterprise, period=local_date(at)
            )
            found = len(episode.specs)
            self_inspection_save(
                actor=site.officer,
                self_inspection=draft,
                answers=episode.answers,
                note=f"本月共自查{len(episode.answers)}项，发现隐患{found}项。"
                if found
                else "本月自查未发现隐患。",
            )
            submitted = self_inspection_submit(actor=site.head, self_inspection=draft, now=at)
            for spec, hazard in zip(episode.specs, self.created(submitted), strict=True):
                spec.hazard = hazard
        else:
            majors = sum(spec.level == HazardLevel.MAJOR for spec in episode.specs)
            words = KIND_WORDS[InspectionKind(episode.kind)]
            if episode.specs:
                summary = f"开展{words}，发现事故隐患{len(episode.specs)}项"
                summary += f"，其中重大事故隐患{majors}项" if majors else ""
                summary += "，已下达责令限期整改指令书。"
            else:
                summary = f"开展{words}，未发现明显问题，已对企业负责人进行安全提醒。"
            fine = (
                Decimal(self.rng.randint(2, 20) * 10000) if majors and self.rng.random() < 0.4 else Decimal(0)
            )
            stop = StopProduction.NONE
            if majors:
                stop = self.rng.choices(
                    [StopProduction.NONE, StopProduction.PARTIAL, StopProduction.FULL], weights=[6, 3, 1]
                )[0]
            inspection = inspection_record(
                actor=site.inspector,
                enterprise=site.enterprise,
                department=site.department,
                date=local_date(at),
                kind=episode.kind,
                summary=summary,
                rectification_order=bool(episode.specs),
                stop_production=stop,
                fine_amount=fine,
                findings=[
                    {
                        "title": spec.title,
                        "description": spec.description,
                        "location": spec.location,
                        "level": spec.level,
                        "criterion": spec.criterion,
                        "industry": site.industry,
                    }
                    for spec in episode.specs
                ],
                now=at,
            )
            for spec, hazard in zip(episode.specs, self.created(inspection), strict=True):
                spec.hazard = hazard

    @staticmethod
    def created(source: SelfInspection | Inspection) -> list[Hazard]:
        return list(source.hazards.order_by("id"))

    def confirm(self, spec: Spec, actor: User, at: dt.datetime) -> None:
        major = spec.level == HazardLevel.MAJOR
        note = (
            f"经核查，符合重大事故隐患判定标准第{spec.criterion.number}项" if major and spec.criterion else ""
        )
        hazard_confirm(
            actor=actor,
            hazard=self.hazard(spec),
            level=spec.level,
            criterion=spec.criterion,
            note=note,
            now=at,
        )

    def handover(self, spec: Spec, actor: User, at: dt.datetime) -> None:
        site = spec.site
        hazard_handover(
            actor=actor,
            hazard=self.hazard(spec),
            region=site.enterprise.region,
            departments=[site.department],
            note=f"移交{site.enterprise.region.name}人民政府及{site.department.name}跟踪督办",
            now=at,
        )

    def acknowledge(self, spec: Spec, at: dt.datetime) -> None:
        hazard_acknowledge_handover(actor=spec.site.inspector, hazard=self.hazard(spec), now=at)

    def list_supervision(self, spec: Spec, listing: Listing, deadline: dt.date, at: dt.datetime) -> None:
        number = self.documents.get(listing.prefix, 7) + self.rng.randint(1, 3)
        self.documents[listing.prefix] = number
        hazard_list_supervision(
            actor=listing.user,
            hazard=self.hazard(spec),
            level=listing.level,
            body=listing.body,
            document_number=f"{listing.prefix}〔{YEAR}〕{number}号",
            deadline=deadline,
            now=at,
        )

    def plan(self, spec: Spec, deadline: dt.date, at: dt.datetime) -> None:
        site, rng = spec.site, self.rng
        major = spec.level == HazardLevel.MAJOR
        funds = rng.randint(5, 80) * 10000 if major else rng.randint(5, 200) * 100
        hazard_plan(
            actor=site.officer,
            hazard=self.hazard(spec),
            responsible_person=(site.head if major or rng.random() < 0.5 else site.officer).full_name
            or site.head.username,
            measures=self.text(spec.finding.measure),
            funds=Decimal(funds),
            deadline=deadline,
            contingency_plan=rng.choice(CONTINGENCY[site.kind]),
            now=at,
        )

    def submit(self, spec: Spec, at: dt.datetime) -> None:
        evidence = []
        if spec.level == HazardLevel.MAJOR:
            evidence = [SimpleUploadedFile("整改照片.png", self.photo, content_type="image/png")]
        hazard_submit(
            actor=spec.site.officer,
            hazard=self.hazard(spec),
            report=f"已完成整改：{self.text(spec.finding.measure)}。经企业自查验收合格，申请核查销号。",
            evidence=evidence,
            now=at,
        )

    def verify(self, spec: Spec, actor: User, accepted: bool, at: dt.datetime) -> None:
        hazard_verify(
            actor=actor,
            hazard=self.hazard(spec),
            accepted=accepted,
            note=self.rng.choice(ACCEPTS if accepted else REJECTIONS),
            on_site=actor != spec.site.head or self.rng.random() < 0.5,
            now=at,
        )

    def reinspect(self, spec: Spec, at: dt.datetime) -> None:
        site = spec.site
        inspection_record(
            actor=site.inspector,
            enterprise=site.enterprise,
            department=site.department,
            date=local_date(at),
            kind=InspectionKind.REINSPECTION,
            summary=f"对{self.hazard(spec).code}“{spec.title}”整改情况进行复查，整改措施已落实。",
            now=at,
        )

    def withdraw(self, spec: Spec, actor: User, at: dt.datetime) -> None:
        hazard_withdraw(actor=actor, hazard=self.hazard(spec), reason=self.rng.choice(WITHDRAWALS), now=at)

    def request_extension(self, spec: Spec, new_deadline: dt.date, at: dt.datetime) -> None:
        hazard_request_extension(
            actor=spec.site.officer,
            hazard=self.hazard(spec),
            new_deadline=new_deadline,
            reason=self.rng.choice(EXTENSION_REASONS),
            now=at,
        )

    def decide_extension(self, spec: Spec, actor: User, approved: bool, at: dt.datetime) -> None:
        hazard_decide_extension(
            actor=actor,
            hazard=self.hazard(spec),
            approved=approved,
            note=self.rng.choice(APPROVALS if approved else REFUSALS),
            now=at,
        )

    @staticmethod
    def hazard(spec: Spec) -> Hazard:
        assert spec.hazard is not None, "a step ran before its hazard was discovered"
        return spec.hazard

    # -------------------------------------------------------------- the whole year

    def run(self) -> None:
        episodes: list[Episode] = []
        for slug, total in (("liaoning", LIAONING_TOTAL), ("shanxi", SHANXI_TOTAL)):
            tenant = Tenant.objects.get(slug=slug)
            episodes += self.plan_tenant(self.sites(tenant), total)
        episodes.sort(key=lambda episode: episode.at)
        for episode in episodes:
            self.schedule(episode.at, self.discover, episode, episode.at)
            for spec in episode.specs:
                self.plan_life(spec)
        self.steps.sort(key=lambda step: (step[0], step[1]))
        for _at, _sequence, action in self.steps:
            action()
        overdue_sweep(today=SWEEP_DAY, now=aware(SWEEP_DAY, 1, 30))


def seed_ledger() -> None:
    """Seed the 2023 demo ledger once: nothing happens if Liaoning already has hazards."""
    if not Tenant.objects.filter(slug="liaoning").exists():
        return
    if Hazard.objects.filter(tenant__slug="liaoning").exists():
        return
    # Stored texts (checklist labels, notifications) are written in the demo's language.
    with translation.override(settings.LANGUAGE_CODE), transaction.atomic():
        LedgerSeeder().run()
