"""The seed of the compliance lexicon (J1.4, G2). Staff maintain the live copy
in the admin (jobs.ComplianceTerm). Migration 0003 filled an empty table from this
list; later migrations (0007_lexicon_sync) add the entries a database lacks and
refresh entries staff never edited, so a new seed term reaches every database.

Each entry: (category, severity, pattern, is_regex, Chinese explanation, English explanation)."""

B, F = "block", "flag"

# The messages name the rule and the law, in both languages (J1.4: every message specific).
_DISCRIMINATION_ZH = "%s：招聘条件不得设置%s限制（《就业促进法》第三条、%s；《就业服务与就业管理规定》第二十条）。"
_DISCRIMINATION_EN = "%s: requirements may not restrict %s (Employment Promotion Law art. 3, %s; Employment " \
                     "Services Provisions art. 20)."

GENDER = ("gender", "性别歧视", "性别", "第二十七条", "Gender discrimination", "gender", "art. 27")
AGE = ("age", "年龄歧视", "年龄（法定最低就业年龄16周岁以外）", "第二十六条", "Age discrimination",
       "age beyond the legal minimum of 16", "art. 26")
ETHNICITY = ("ethnicity", "民族歧视", "民族", "第二十八条", "Ethnic discrimination", "ethnicity", "art. 28")
RELIGION = ("religion", "宗教信仰歧视", "宗教信仰", "第三条", "Religious discrimination", "religion", "art. 3")
HOUSEHOLD = ("household", "户籍地域歧视", "户籍或地域", "第三十一条", "Household or regional discrimination",
             "household registration or region", "art. 31")
HEALTH = ("health", "健康歧视", "健康状况（如乙肝病原携带、残疾）", "第二十九条、第三十条", "Health discrimination",
          "health or carrier status (e.g. hepatitis B) or disability", "arts. 29–30")
MARITAL = ("marital", "婚育歧视", "婚姻或生育状况", "第二十七条", "Marital or childbearing discrimination",
           "marital or childbearing status", "art. 27")
APPEARANCE = ("appearance", "外貌歧视", "外貌、身高或体重", "第二十六条", "Appearance discrimination",
              "appearance, height or weight", "art. 26")


def _discrimination(kind, pattern, regex=False):
    category, rule_zh, zh, article_zh, rule_en, en, article_en = kind
    return (category, F, pattern, regex, _DISCRIMINATION_ZH % (rule_zh, zh, article_zh),
            _DISCRIMINATION_EN % (rule_en, en, article_en))


FEE_ZH = "收费：用人单位不得以任何名义向学生收取费用或押金（《劳动合同法》第九条；《就业服务与就业管理规定》第十四条）。"
FEE_EN = "Fee from students: employers may not take money or deposits from students under any name (Labour " \
         "Contract Law art. 9; Employment Services Provisions art. 14)."
SCAM_ZH = "诈骗话术：刷单、垫资、充值返利、会员激活等是兼职诈骗的常见手法，平台禁止发布（《就业服务与就业管理规定》第十四条）。"
SCAM_EN = "Scam pattern: order brushing, advancing money, top-up rebates and activation fees are known part-time " \
          "job scams and are not allowed (Employment Services Provisions art. 14)."
CONTACT_ZH = "站外联系方式：请勿留电话、微信、QQ或外链；沟通与报名须在平台内进行，以保护学生（平台规则 J1.4）。"
CONTACT_EN = "Contact outside the platform: no phone, WeChat, QQ or links; contact and applications stay on the " \
             "platform to protect students (platform rule J1.4)."
MISLEADING_ZH = "夸大薪酬：“高薪”“日入过万”“保底”等须有依据，请写明实际计薪方式（《就业服务与就业管理规定》第十四条：不得发布虚假招聘信息）。"
MISLEADING_EN = "Misleading pay: claims like 'high pay', 'earn 10,000 a day' or 'guaranteed' need a basis; state " \
                "how pay is actually calculated (Employment Services Provisions art. 14: no false recruitment " \
                "information)."
HAZARD_ZH = "未成年工禁忌劳动：文字提到《未成年工特殊保护规定》第三条所列的劳动，但“未成年人不得从事的劳动”未勾选；" \
            "请勾选对应项，此类岗位不向16–17岁学生开放。"
HAZARD_EN = "Work minors may not do: the text names work listed in art. 3 of the Provisions on the Special " \
            "Protection of Juvenile Workers, but the declaration says none; tick the item: such jobs are not " \
            "offered to 16–17-year-olds."
VENUE_ZH = "未成年人禁入场所：文字提到歌舞娱乐场所、酒吧或网吧等，但“不得招用未成年人的工作场所”未选择；" \
           "请选择场所类型，此类岗位不向16–17岁学生开放（《未成年人保护法》第五十八条；《娱乐场所管理条例》）。"
VENUE_EN = "Workplace closed to minors: the text names an entertainment venue, bar or internet café, but the " \
           "declaration says none; choose the venue type: such jobs are not offered to 16–17-year-olds " \
           "(Minors Protection Law art. 58; Regulations on Entertainment Venues)."

# Patterns are matched in the normalised text (jobs.normalise): lower case, simplified,
# full-width folded, Chinese numerals as digits, no spaces or punctuation between Chinese
# characters, contact words spelled 微信 / qq / 加微信. They compile with re2: no
# lookaround or backreferences; a named group "hit" marks only part of the match.
_NOT_DIGIT_BEFORE = r"(?:^|[^0-9])"
_NOT_DIGIT_AFTER = r"(?:[^0-9]|$)"

TERMS = [
    # Gender (Employment Promotion Law arts. 3, 27)
    *[_discrimination(GENDER, p) for p in (
        "限男", "限女", "仅限男", "仅限女", "只招男", "只招女", "男生优先", "女生优先", "男性优先", "女性优先",
        "限男性", "限女性", "仅招男", "仅招女", "要求男", "要求女",
        "只要男", "只要女", "不招男", "不招女", "小仙女优先", "小姐姐优先", "小哥哥优先", "帅哥优先", "美女优先",
        "靓女优先", "妹子优先", "男士优先", "女士优先", "男孩优先", "女孩优先", "汉子优先", "软妹",
    )],
    _discrimination(GENDER, r"(男|女)(生|性)?(学生)?(即可|勿扰|免谈|不要)", True),
    _discrimination(GENDER, r"(男|女)(生|性|士|孩)(止步|专场|only)", True),
    _discrimination(GENDER, r"(要|只要|只招|招)(萌)?(妹子|妹纸|小姐姐|小哥哥|帅哥|美女|靓女|软妹)", True),
    _discrimination(GENDER, r"(男|女)的(就算了|不要|勿扰|免谈|别来)", True),
    _discrimination(GENDER, r"\b(males?|females?|men|women|girls?|boys?|guys|ladies) only\b", True),
    _discrimination(GENDER, r"\bonly (males?|females?|men|women|girls?|boys?|guys|ladies)\b", True),
    _discrimination(GENDER, r"\bprefer(ably|red|ence)? (for )?(a )?(males?|females?|men|women|girls?|boys?|ladies)\b",
                    True),
    _discrimination(GENDER, r"\b(males?|females?|men|women|girls?|boys?) (preferred|wanted)\b", True),
    # Age beyond the legal minimum of 16
    _discrimination(AGE, r"\d{2}\s*(岁|周岁)?\s*(-|~|—|至|到)\s*\d{2}\s*(岁|周岁)", True),
    _discrimination(AGE, r"\d{2}\s*(岁|周岁)以下", True),
    _discrimination(AGE, r"年龄(不超过|不大于|限|要求)", True),
    _discrimination(AGE, r"\b(under|below|younger than)\s*\d{2}\b", True),
    _discrimination(AGE, r"\baged?\s*\d{2}\s*(-|to)\s*\d{2}\b", True),
    _discrimination(AGE, _NOT_DIGIT_BEFORE + r"(?P<hit>[0-9]{2}后(优先|即可|勿扰|不要|最好|以下|以上|学生|女生|男生|"
                    r"小姐姐|小哥哥|妹子|青年|年轻人))", True),
    _discrimination(AGE, _NOT_DIGIT_BEFORE + r"(?P<hit>(限|仅限|只要|只招|要求)[0-9]{2}后)", True),
    _discrimination(AGE, r"(不超过|不大于|未满|小于|低于|不高于)[0-9]{2}(岁|周岁)", True),
    _discrimination(AGE, r"年龄上限", True),
    *[_discrimination(AGE, p) for p in ("年轻优先", "年轻人优先", "只要年轻", "大龄勿扰", "超龄勿扰", "年纪大勿扰",
                                        "年龄大勿扰", "大龄免谈")],
    _discrimination(AGE, r"\b(gen z only|post-?(90s|95s|00s)|born after (19|20)?[0-9]{2}|no older than\s*[0-9]{2}|"
                    r"not over\s*[0-9]{2}|young people only)\b", True),
    # Ethnicity (art. 28)
    *[_discrimination(ETHNICITY, p) for p in ("仅限汉族", "限汉族", "汉族优先", "少数民族勿扰", "少数民族除外",
                                              "不招少数民族", "维族", "藏族勿扰", "只招汉族", "只要汉族")],
    _discrimination(ETHNICITY, r"(维|藏|回|彝|蒙|苗|壮|维吾尔)族(勿扰|免谈|不要|除外|不招)", True),
    _discrimination(ETHNICITY, r"(非汉族|少数民族)(勿扰|免谈|不要|除外|不招)", True),
    _discrimination(ETHNICITY, r"\b(han chinese only|no minorities|no ethnic minorities|han only)\b", True),
    # Religion (art. 3)
    *[_discrimination(RELIGION, p) for p in ("信教者勿扰", "无宗教信仰", "不得信教", "穆斯林勿扰", "基督徒优先",
                                             "宗教信仰")],
    _discrimination(RELIGION, r"(信教|信佛|信基督|信主|信仰伊斯兰|穆斯林|基督徒|佛教徒|教徒|信徒)者?"
                    r"(勿扰|免谈|不要|优先|除外|不招)", True),
    _discrimination(RELIGION, r"(限|只招|仅限|只要)(基督徒|佛教徒|穆斯林|信徒|教徒)", True),
    _discrimination(RELIGION, r"不招(信教|穆斯林|基督徒|佛教徒|教徒)", True),
    _discrimination(RELIGION, r"(须|需|必须)(先)?(信仰|信)(基督|佛|主|伊斯兰)", True),
    _discrimination(RELIGION, r"\b(christians?|muslims?|buddhists?) only\b|\bno (muslims?|christians?|religious)\b",
                    True),
    # Household registration / region (art. 31)
    *[_discrimination(HOUSEHOLD, p) for p in ("本地户口", "本地户籍", "本市户口", "本市户籍", "限本地人",
                                              "本地人优先", "外地人勿扰", "外地户口", "农村户口", "城镇户口",
                                              "户籍要求", "仅限本省", "河南人勿扰", "东北人勿扰", "沪籍", "京籍",
                                              "本地生源优先")],
    _discrimination(HOUSEHOLD, r"(限|仅限|只招|只要)(本地|本市|本省|本区|当地)", True),
    _discrimination(HOUSEHOLD, r"(外地|外省|农村|东北|河南|新疆|西藏|安徽|[\x{4e00}-\x{9fff}]{2}籍)(人|籍)?"
                    r"(勿扰|免谈|不要|除外|不招)", True),
    _discrimination(HOUSEHOLD, r"(上海|北京|本地|本市)(户口|户籍)(优先|即可)", True),
    _discrimination(HOUSEHOLD, r"\blocal (hukou|residents?) only\b|\b(shanghai|beijing|local) hukou\b", True),
    # Health / carriers / disability (arts. 29, 30)
    *[_discrimination(HEALTH, p) for p in ("乙肝", "携带者", "大三阳", "小三阳", "HBV", "无传染病史", "残疾人勿扰",
                                           "身体无残疾", "肝功能正常", "无残疾")],
    _discrimination(HEALTH, r"(残疾|残障|艾滋|hiv|肝炎|传染病|病史)(人|者|患者|人士)?(勿扰|免谈|不要|除外|不招)", True),
    _discrimination(HEALTH, r"(无|没有)(任何)?(疾病|重大疾病|病史|传染病|残疾|纹身病史)", True),
    _discrimination(HEALTH, r"\bhepatitis\s*b\b|\bno (hbv|hiv|disabled|disabilities|carriers)\b|"
                    r"\b(healthy|able-bodied) only\b", True),
    # Marital / childbearing (art. 27)
    *[_discrimination(MARITAL, p) for p in ("未婚", "已婚已育", "已婚未育", "未育", "单身优先", "婚育",
                                            "宝妈勿扰", "孕妇勿扰", "无生育计划")],
    _discrimination(MARITAL, r"(已婚|未婚|单身|已育|未育|宝妈|孕妇|怀孕)(者|人士)?(优先|勿扰|免谈|不要|除外|即可)", True),
    _discrimination(MARITAL, r"([0-9]年内|近期|短期内)(无|不)(生育|怀孕|要孩子|生孩子)", True),
    _discrimination(MARITAL, r"\b(unmarried|single only|no children|no kids|not pregnant|no pregnant)\b", True),
    # Appearance
    _discrimination(APPEARANCE, r"身高\s*\d{3}", True),
    _discrimination(APPEARANCE, r"体重\s*\d{2,3}", True),
    *[_discrimination(APPEARANCE, p) for p in ("颜值", "五官端正", "形象气质佳", "长相甜美", "身材好", "相貌端正",
                                               "形象好", "气质佳", "身材苗条", "身材匀称", "长相", "容貌", "貌美",
                                               "肤白", "高挑", "腿长", "无纹身", "外形靓丽", "形象佳", "身材高挑")],
    _discrimination(APPEARANCE, r"身高(1米[0-9]|[0-9]米[0-9]?|一米|要求|不低于|不得低于)", True),
    _discrimination(APPEARANCE, r"[0-9]{3}(cm|公分|厘米)以上", True),
    _discrimination(APPEARANCE, r"(体重|体型)(不超过|以下|要求|偏瘦|匀称|标准)", True),
    _discrimination(APPEARANCE, r"[0-9]{2,3}(斤|kg|公斤)以(下|内)", True),
    _discrimination(APPEARANCE, r"\b(good[- ]looking|attractive|pretty|slim|slender|height\s*[0-9]{3}|"
                    r"weight (under|below)|presentable appearance|nice figure)\b", True),
    # Money from students (Labour Contract Law art. 9; Employment Services Provisions art. 14): hard
    *[("fee", B, p, False, FEE_ZH, FEE_EN) for p in (
        "押金", "培训费", "服装费", "保证金", "会员费", "垫付", "报名费", "入职费", "资料费", "工装费", "中介费",
        "体检费自理", "办卡费", "上岗费", "介绍费", "先交钱",
        "形象照费", "照片费", "拍照费", "工牌费", "工衣费", "制服费", "建档费", "档案费", "激活费", "开通费",
        "认证费", "审核费", "材料费", "押身份证", "扣押证件", "面试费", "考试费", "信息费", "平台费", "加盟费",
        "名额费", "占位费", "定金", "订金", "风险金", "诚信金", "质保金", "履约金", "抵押金", "押证件", "工本费",
        "入会费", "手续费", "管理费", "服务费", "押一部分工资", "押工资",
    )],
    ("fee", B, r"(体检|服装|工服|工装|培训|住宿|照片|工牌|资料)费用?(自理|自付|自费|学生承担|由学生)", True, FEE_ZH,
     FEE_EN),
    # The grammar of paying to work: a pay/deposit verb after a demand, near an amount or a 费/金 word.
    ("fee", B, r"(先|需|须|要|得|请|必须|需要|应|务必|还需|只需|才能|方可|统一)(先)?(交|缴|付|支付|转账|转|充值|预付|预交|打)"
     r"(纳|给|款)?[^出通流接工薪资月日时正]{0,8}([0-9]+(\.[0-9]+)?(元|块|rmb|yuan)|费|金)", True, FEE_ZH, FEE_EN),
    ("fee", B, r"(收取|另收|先收|需收|要收|统一收|收费)[^入到工薪资]{0,6}([0-9]+(元|块)|费|金)", True, FEE_ZH, FEE_EN),
    ("fee", B, r"\b(deposit|training fee|uniform fee|registration fee|membership fee)\b", True, FEE_ZH, FEE_EN),
    ("fee", B, r"\b(activation|joining|admin(istration)?|application|photo|onboarding|sign-?up) fees?\b", True,
     FEE_ZH, FEE_EN),
    ("fee", B, r"\b(must|need to|needs to|required to|have to|has to|should|first) (pay|transfer|send|advance)\b",
     True, FEE_ZH, FEE_EN),
    # Scam patterns
    *[("scam", B, p, False, SCAM_ZH, SCAM_EN) for p in (
        "刷单", "刷信誉", "刷好评", "打码兼职", "先垫付后返", "垫资", "拍单", "做单返", "返佣", "刷销量", "刷流水",
        "刷粉", "点赞员", "点赞兼职", "跑分", "代收款", "帮收款", "出租银行卡", "出借银行卡", "银行卡出租",
        "解冻金", "充值返", "做任务返", "躺赚", "动动手指", "关注点赞", "抖音点赞", "淘宝补单", "补单", "刷流量",
        "先充值", "拉人头", "发展下线",
    )],
    ("scam", F, r"打字员.{0,20}(费|交|押)", True, SCAM_ZH, SCAM_EN),
    ("scam", F, r"(日赚|日结|月入)\s*\d{3,5}\s*\+?\s*(轻松|躺赚|不是梦)", True, SCAM_ZH, SCAM_EN),
    ("scam", B, r"(先|需)(垫|付|充)(资|款|钱|值)", True, SCAM_ZH, SCAM_EN),
    ("scam", B, r"(日赚|日入|日收入|一天赚|每天赚|每天收入|一天收入|日进)(过|超|高达|可达|轻松|稳定)?[0-9]{4,}", True,
     SCAM_ZH, SCAM_EN),
    ("scam", B, r"(佣金|返利|返现)(日结|秒结|立返|[0-9]+%)", True, SCAM_ZH, SCAM_EN),
    ("scam", B, r"\b(order brushing|brush(ing)? orders|click farm(ing)?|advance (the )?payment|like and follow tasks|"
     r"task rebate|earn [0-9,]{4,} (yuan|rmb) (a|per) day)\b", True, SCAM_ZH, SCAM_EN),
    # Misleading pay: promises with no basis (flag)
    *[("misleading_pay", F, p, False, MISLEADING_ZH, MISLEADING_EN) for p in (
        "高薪", "高工资", "高收入", "保底", "日入过万", "月入过万", "月入上万", "轻松过万", "薪资无上限", "上不封顶",
        "收入无上限", "稳赚", "包赚", "零风险", "日入上千", "日赚上千", "轻松月入", "轻松日赚", "年入百万",
    )],
    ("misleading_pay", F, r"月(入|赚|薪)(过|超|轻松)?[0-9]{5,}", True, MISLEADING_ZH, MISLEADING_EN),
    ("misleading_pay", F, r"\b(high pay|guaranteed (income|pay)|earn up to|unlimited income|easy money|"
     r"get rich)\b", True, MISLEADING_ZH, MISLEADING_EN),
    # Contact details that pull students off the platform
    ("contact", F, _NOT_DIGIT_BEFORE + r"(?P<hit>1[3-9]\d{9})" + _NOT_DIGIT_AFTER, True, CONTACT_ZH, CONTACT_EN),
    ("contact", F, _NOT_DIGIT_BEFORE + r"(?P<hit>1[3-9][0-9]([-. ]?[0-9]){8})" + _NOT_DIGIT_AFTER, True, CONTACT_ZH,
     CONTACT_EN),
    ("contact", F, _NOT_DIGIT_BEFORE + r"(?P<hit>0\d{2,3}-?\d{7,8})" + _NOT_DIGIT_AFTER, True, CONTACT_ZH,
     CONTACT_EN),
    ("contact", F, r"(微信|weixin|wechat|vx|v信|薇信|威信|wx)\s*(号|id)?\s*[:：]?\s*[A-Za-z][-_A-Za-z0-9]{5,19}", True,
     CONTACT_ZH, CONTACT_EN),
    ("contact", F, r"(加微|加v|加V|私聊|私信)", True, CONTACT_ZH, CONTACT_EN),
    ("contact", F, r"(qq|扣扣|企鹅)\s*(号|群)?\s*[:：]?\s*\d{5,11}", True, CONTACT_ZH, CONTACT_EN),
    ("contact", F, r"(https?://|www\.)[-a-z0-9._~:/?#=&%@+]+", True, CONTACT_ZH, CONTACT_EN),
    ("contact", F, r"[\w.+-]+@[\w-]+\.[\w.]+", True, CONTACT_ZH, CONTACT_EN),
    ("contact", F, r"(微信|qq)(群|号)?(联系|详聊|沟通|咨询|报名|私聊|聊|了解)", True, CONTACT_ZH, CONTACT_EN),
    ("contact", F, r"(加|添加|扫码加)(微信|qq|好友|群|我)", True, CONTACT_ZH, CONTACT_EN),
    ("contact", F, r"(私我|滴滴我|戳我|扫码进群|扫码加群|二维码)", True, CONTACT_ZH, CONTACT_EN),
    ("contact", F, r"\b[a-z0-9][-a-z0-9]*(\.[-a-z0-9]+)*\.(com|cn|net|org|top|xyz|cc|vip|me|io|shop|site|club|info|"
     r"link|ly|app|work|ink|fun|online)\b(/[-a-z0-9._~/?#=&%]*)?", True, CONTACT_ZH, CONTACT_EN),
    ("contact", F, r"[a-z0-9]{2,}点(com|cn|net)", True, CONTACT_ZH, CONTACT_EN),
    ("contact", F, r"(抖音|小红书|钉钉|快手|telegram|whatsapp|tg)(号|id)?:?[a-z0-9_]{5,}", True, CONTACT_ZH,
     CONTACT_EN),
    # Hazardous work (minors excluded; the employer must declare it)
    *[("hazard", F, p, False, HAZARD_ZH, HAZARD_EN) for p in ("高空作业", "搬运重物", "化学品", "井下", "有毒",
                                                               "粉尘", "高温作业", "危险品", "夜班")],
    # Art. 3 items beyond the first seed (docs/minors.md)
    *[("hazard", F, p, False, HAZARD_ZH, HAZARD_EN) for p in ("矿山", "采石", "伐木", "放射", "易燃易爆", "爆破",
                                                               "潜水", "锅炉", "电锤", "凿岩", "冷库", "低温作业")],
    # Workplaces closed to minors (Minors Protection Law art. 58)
    *[("minor_venue", F, p, False, VENUE_ZH, VENUE_EN) for p in ("ktv", "卡拉ok", "酒吧", "清吧", "夜店", "夜总会",
                                                                  "歌舞厅", "舞厅", "迪厅", "蹦迪", "网吧", "网咖",
                                                                  "电竞酒店", "游戏厅", "电玩城")],
]
