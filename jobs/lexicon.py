"""The seed of the compliance lexicon (J1.4, G2). Staff maintain the live copy
in the admin (jobs.ComplianceTerm); this list only fills an empty table.

Each entry: (category, severity, pattern, is_regex, Chinese explanation, English explanation)."""

B, F = "block", "flag"

_DISCRIMINATION_ZH = "招聘条件不得设置%s限制（《就业促进法》第三条、第二十七条至第三十一条）。"
_DISCRIMINATION_EN = "Requirements may not restrict %s (Employment Promotion Law arts. 3, 27–31)."

GENDER = ("gender", "性别", "gender")
AGE = ("age", "年龄（法定最低年龄以外）", "age beyond the legal minimum")
ETHNICITY = ("ethnicity", "民族", "ethnicity")
RELIGION = ("religion", "宗教信仰", "religion")
HOUSEHOLD = ("household", "户籍或地域", "household registration or region")
HEALTH = ("health", "健康状况（如乙肝病原携带）", "health or carrier status (e.g. hepatitis B)")
MARITAL = ("marital", "婚姻或生育状况", "marital or childbearing status")
APPEARANCE = ("appearance", "外貌、身高或体重", "appearance, height or weight")


def _discrimination(kind, pattern, regex=False):
    category, zh, en = kind
    return (category, F, pattern, regex, _DISCRIMINATION_ZH % zh, _DISCRIMINATION_EN % en)


FEE_ZH = "用人单位不得以任何名义向学生收取费用（《就业服务与就业管理规定》第十四条）。"
FEE_EN = "Employers may not take money from students under any name (Employment Services Provisions art. 14)."
SCAM_ZH = "疑似兼职诈骗常见话术，平台禁止发布。"
SCAM_EN = "A known part-time job scam pattern; not allowed on the platform."
CONTACT_ZH = "请勿在信息中留联系方式或外链：沟通与报名须在平台内进行，以保护学生。"
CONTACT_EN = "No contact details or links: contact and applications stay on the platform to protect students."
HAZARD_ZH = "可能属于危险或繁重劳动：请确认并勾选“危险作业”，此类岗位不向16–17岁学生开放。"
HAZARD_EN = "Possibly hazardous or heavy work: declare it; such jobs are not offered to 16–17-year-olds."

TERMS = [
    # Gender (Employment Promotion Law arts. 3, 27)
    *[_discrimination(GENDER, p) for p in (
        "限男", "限女", "仅限男", "仅限女", "只招男", "只招女", "男生优先", "女生优先", "男性优先", "女性优先",
        "限男性", "限女性", "仅招男", "仅招女", "要求男", "要求女",
    )],
    _discrimination(GENDER, r"(男|女)(生|性)?(学生)?(即可|勿扰|免谈|不要)", True),
    _discrimination(GENDER, r"\b(males?|females?|men|women) only\b", True),
    _discrimination(GENDER, r"\bprefer(ably)? (male|female|men|women)\b", True),
    # Age beyond the legal minimum of 16
    _discrimination(AGE, r"\d{2}\s*(岁|周岁)?\s*(-|~|—|至|到)\s*\d{2}\s*(岁|周岁)", True),
    _discrimination(AGE, r"\d{2}\s*(岁|周岁)以下", True),
    _discrimination(AGE, r"年龄(不超过|不大于|限|要求)", True),
    _discrimination(AGE, r"\b(under|below|younger than)\s*\d{2}\b", True),
    _discrimination(AGE, r"\baged?\s*\d{2}\s*(-|to)\s*\d{2}\b", True),
    # Ethnicity (art. 28)
    *[_discrimination(ETHNICITY, p) for p in ("仅限汉族", "限汉族", "汉族优先", "少数民族勿扰", "少数民族除外",
                                              "不招少数民族", "维族", "藏族勿扰")],
    _discrimination(ETHNICITY, r"\b(han chinese only|no minorities)\b", True),
    # Religion (art. 3)
    *[_discrimination(RELIGION, p) for p in ("信教者勿扰", "无宗教信仰", "不得信教", "穆斯林勿扰", "基督徒优先",
                                             "宗教信仰")],
    # Household registration / region (art. 31)
    *[_discrimination(HOUSEHOLD, p) for p in ("本地户口", "本地户籍", "本市户口", "本市户籍", "限本地人",
                                              "本地人优先", "外地人勿扰", "外地户口", "农村户口", "城镇户口",
                                              "户籍要求", "仅限本省", "河南人勿扰", "东北人勿扰")],
    _discrimination(HOUSEHOLD, r"\blocal (hukou|residents?) only\b", True),
    # Health / carriers / disability (arts. 29, 30)
    *[_discrimination(HEALTH, p) for p in ("乙肝", "携带者", "大三阳", "小三阳", "HBV", "无传染病史", "残疾人勿扰",
                                           "身体无残疾")],
    _discrimination(HEALTH, r"\bhepatitis\s*b\b", True),
    # Marital / childbearing (art. 27)
    *[_discrimination(MARITAL, p) for p in ("未婚", "已婚已育", "已婚未育", "未育", "单身优先", "婚育")],
    _discrimination(MARITAL, r"\b(unmarried|single only|no children)\b", True),
    # Appearance
    _discrimination(APPEARANCE, r"身高\s*\d{3}", True),
    _discrimination(APPEARANCE, r"体重\s*\d{2,3}", True),
    *[_discrimination(APPEARANCE, p) for p in ("颜值", "五官端正", "形象气质佳", "长相甜美", "身材好", "相貌端正")],
    _discrimination(APPEARANCE, r"\b(good[- ]looking|attractive|height\s*\d{3})\b", True),
    # Money from students (Employment Services Provisions art. 14): hard
    *[("fee", B, p, False, FEE_ZH, FEE_EN) for p in (
        "押金", "培训费", "服装费", "保证金", "会员费", "垫付", "报名费", "入职费", "资料费", "工装费", "中介费",
        "体检费自理", "办卡费", "上岗费", "介绍费", "先交钱",
    )],
    ("fee", B, r"\b(deposit|training fee|uniform fee|registration fee|membership fee)\b", True, FEE_ZH, FEE_EN),
    # Scam patterns
    *[("scam", B, p, False, SCAM_ZH, SCAM_EN) for p in ("刷单", "刷信誉", "刷好评", "打码兼职", "先垫付后返")],
    ("scam", F, r"打字员.{0,20}(费|交|押)", True, SCAM_ZH, SCAM_EN),
    ("scam", F, r"(日赚|日结|月入)\s*\d{3,5}\s*\+?\s*(轻松|躺赚|不是梦)", True, SCAM_ZH, SCAM_EN),
    # Contact details that pull students off the platform
    ("contact", F, r"(?<!\d)1[3-9]\d{9}(?!\d)", True, CONTACT_ZH, CONTACT_EN),
    ("contact", F, r"(?<!\d)0\d{2,3}-?\d{7,8}(?!\d)", True, CONTACT_ZH, CONTACT_EN),
    ("contact", F, r"(微信|weixin|wechat|vx|v信|薇信|威信|wx)\s*(号)?\s*[:：]?\s*[A-Za-z][-_A-Za-z0-9]{5,19}", True,
     CONTACT_ZH, CONTACT_EN),
    ("contact", F, r"(加微|加v|加V|私聊|私信)", True, CONTACT_ZH, CONTACT_EN),
    ("contact", F, r"(qq|扣扣|企鹅)\s*(号|群)?\s*[:：]?\s*\d{5,11}", True, CONTACT_ZH, CONTACT_EN),
    ("contact", F, r"(https?://|www\.)\S+", True, CONTACT_ZH, CONTACT_EN),
    ("contact", F, r"[\w.+-]+@[\w-]+\.[\w.]+", True, CONTACT_ZH, CONTACT_EN),
    # Hazardous work (minors excluded; the employer must declare it)
    *[("hazard", F, p, False, HAZARD_ZH, HAZARD_EN) for p in ("高空作业", "搬运重物", "化学品", "井下", "有毒",
                                                               "粉尘", "高温作业", "危险品", "夜班")],
]
