"""The fixed vocabulary of the sample college: its units, offices, names and group topics."""

from __future__ import annotations

from dataclasses import dataclass

MAIL_DOMAIN = "college.example.com"


@dataclass(frozen=True)
class UnitSpec:
    unit_id: str
    name: str
    keywords: tuple[str, ...]
    short: str
    """How the unit's group names start; always contains one of its keywords."""
    slug: str
    """Mailbox name of the unit's office."""
    majors: tuple[str, ...] = ()
    """Empty for offices (staff only); a college has students in these majors."""
    student_weight: float = 9.0
    contact: bool = True
    head_mail: bool = True
    party_mail: bool = True

    @property
    def college(self) -> bool:
        return bool(self.majors)

    @property
    def party_org(self) -> str:
        if self.unit_id == "U15":
            return f"{self.name}直属党支部"
        return f"{self.name}党总支" if self.college else "机关党委"


UNITS: tuple[UnitSpec, ...] = (
    UnitSpec("U01", "党委工作部", ("党委工作部", "党工部"), "党委工作部", "dwgzb"),
    UnitSpec("U02", "学生处", ("学生处", "学工部"), "学生处", "xsc"),
    UnitSpec("U03", "校团委", ("校团委", "团委"), "校团委", "tw"),
    UnitSpec("U04", "教务处", ("教务处", "教务"), "教务处", "jwc"),
    UnitSpec("U05", "人事处", ("人事处", "人事"), "人事处", "rsc"),
    UnitSpec("U06", "后勤管理处", ("后勤",), "后勤处", "hqc", party_mail=False),
    UnitSpec("U07", "信息化中心", ("信息化中心", "网络中心"), "信息化中心", "xxh", head_mail=False),
    UnitSpec(
        "U10",
        "机电工程学院",
        ("机电", "机电学院"),
        "机电学院",
        "jdxy",
        ("机械制造", "机电一体化", "电气自动化", "工业机器人", "数控技术"),
    ),
    UnitSpec(
        "U11",
        "经济管理学院",
        ("经管", "经济管理"),
        "经管学院",
        "jgxy",
        ("会计", "市场营销", "电子商务", "物流管理", "人力资源管理"),
    ),
    UnitSpec(
        "U12",
        "信息工程学院",
        ("信息工程", "信工"),
        "信工学院",
        "xgxy",
        ("软件技术", "计算机网络", "大数据技术", "物联网应用", "云计算"),
    ),
    UnitSpec("U13", "外国语学院", ("外语", "外国语"), "外语学院", "wyxy", ("商务英语", "应用日语")),
    UnitSpec(
        "U14",
        "艺术设计学院",
        ("艺术", "艺设"),
        "艺术学院",
        "ysxy",
        ("视觉传达", "环境艺术", "数字媒体", "室内装饰"),
    ),
    UnitSpec(
        "U15",
        "马克思主义学院",
        ("马院", "马克思主义"),
        "马院",
        "myxy",
        ("思政教育",),
        student_weight=4.0,
    ),
    UnitSpec(
        "U16",
        "建筑工程学院",
        ("建工", "建筑"),
        "建工学院",
        "jgc",
        ("建筑设计", "建设工程管理", "道路桥梁", "工程测量"),
    ),
    UnitSpec(
        "U17",
        "护理学院",
        ("护理",),
        "护理学院",
        "hlxy",
        ("护理", "助产", "康复治疗"),
        party_mail=False,
    ),
    UnitSpec(
        "U18",
        "继续教育学院",
        ("继续教育", "继教"),
        "继教学院",
        "jjxy",
        ("行政管理", "学前教育"),
        student_weight=5.0,
        contact=False,
    ),
)

UNIT_BY_ID = {unit.unit_id: unit for unit in UNITS}

# Two units' group robots (docs/robots.md), with made-up keys: the demo writes their
# notices to files and never posts them.
ROBOTS = {  # unit id -> (robot, its DingTalk signing secret)
    "U10": ("https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=5e4d3c2b-1a09-4f8e-8d7c-6b5a4f3e2d1c", ""),
    "U15": (
        "https://oapi.dingtalk.com/robot/send?access_token=" + "d3b0" * 16,
        "SEC" + "0123456789abcdef" * 4,
    ),
}  # fmt: skip

# (office, mailbox, scope)
OFFICES = (  # office, mailbox, scope, address, phone
    ("党委工作部", "dwgzb", "all", "行政楼 302 室", "023-6188 3021"),
    ("学生处", "xsc", "class", "学生活动中心 105 室", "023-6188 3105"),
    ("校团委", "tw", "league;club", "学生活动中心 201 室", "023-6188 3201"),
)

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
    "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚"
    "邵万钱严覃武戴莫孔向汤"
)
TOP_SURNAMES = "王李张刘陈杨黄赵吴周"
GIVEN = (
    "伟芳娜秀敏静丽强磊军洋勇艳杰娟涛明超霞平刚桂英华玉萍红鹏辉婷雪琳晨宇浩然子涵梓轩欣怡佳琪思雨"
    "博文一诺可馨嘉俊泽航昊天瑞鑫昕悦萱晗璐颖倩婧爽岚凯斌峰旭东亮森林宁凡哲铭睿逸豪煜阳乐安康彤蕾"
    "薇蓉桐晴露建国志海燕丹梅兰春秋"
)
NICKNAMES = ("游客", "小号", "Jack", "快乐每一天", "A阳光", "星辰大海", "追风", "momo", "用户5821")

WORK_TOPICS = (
    "全体教职工",
    "办公室",
    "教学科研",
    "学生工作",
    "实验实训",
    "行政",
    "招生就业",
    "教学督导",
    "专业建设",
    "科研项目",
)
PARTY_TOPICS = ("教工党支部", "学生党支部", "第一党支部", "第二党支部", "入党积极分子")
LEAGUE_TOPICS = ("团总支学生会", "团支部书记", "青年志愿者分队", "学生会干部", "青年大学习")
CLUBS = (
    "轮滑协会",
    "青年志愿者协会",
    "摄影协会",
    "街舞社",
    "书法协会",
    "辩论队",
    "吉他社",
    "动漫社",
    "羽毛球协会",
    "创新创业协会",
    "心理协会",
    "文学社",
    "篮球协会",
    "武术协会",
    "话剧社",
)
EVENTS = (
    "迎新",
    "毕业答辩",
    "技能大赛备赛",
    "招生宣传",
    "军训",
    "专升本辅导",
    "运动会",
    "实习对接",
)
PURPOSES = {
    "work": "日常工作通知与协调",
    "party": "党支部组织生活与学习",
    "class": "班级事务通知",
    "league": "团学工作通知",
    "club": "社团活动组织",
    "temporary": "专项工作临时沟通",
}
