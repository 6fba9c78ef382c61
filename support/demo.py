"""Demo data of customer service (P2.2): FAQ entries in both languages and the
demo student's and employer's tickets in every state, one waiting for the
user and one resolved and ready to rate. Idempotent: run it again and nothing
is added twice."""

from django.db import transaction

from accounts.models import User

from .models import FAQEntry, Ticket
from .services import ticket_assign, ticket_close, ticket_note, ticket_open, ticket_reply, ticket_resolve

C = Ticket.Category

FAQ = [
    (C.QUESTION, "什么时候能收到工资？怎么收款？", "When do I get paid, and how?",
     "工时确认后，平台会生成结算单；雇主预付的款项到账后，工资会在约定的工作日内打到你在“我的收入”里设置的默认收款方式"
     "（银行卡或支付宝）。你可以在结算单上看到每一笔的状态。",
     "Once the hours are confirmed the platform prepares a statement; when the employer's prepaid money is in, "
     "your pay goes to the default payout method you set under \"My pay\" (bank card or Alipay) within the "
     "agreed working days. Each statement shows where your money is.",
     "工资 收款 结算 打款 salary pay payout wage", 10),
    (C.DISPUTE, "我被记为缺勤，但我按时到岗了，怎么申诉？", "I was marked as a no-show but I was there. How do I contest it?",
     "在“我的工作”里打开这次工作，点击“申诉缺勤”，写明情况并附上证据（打卡照片、聊天记录等）。客服会在工作时间内联系双方，"
     "核实后撤销错误的记录，信用分也会恢复。",
     "Open the engagement under \"My work\" and choose \"Contest the no-show\"; say what happened and add "
     "evidence (a check-in photo, messages). Customer service contacts both sides during office hours; a wrong "
     "record is removed and your credit score restored.",
     "缺勤 申诉 爽约 no-show contest absent", 20),
    (C.REPORT, "招聘方要我先交押金或培训费，怎么办？", "The employer asks me to pay a deposit or a training fee. What should I do?",
     "不要付款。任何以押金、服装费、培训费为名向学生收钱的岗位都违反平台规则。请在岗位页面点击“举报”，或在这里提交举报，"
     "我们会下架岗位并处理该雇主。",
     "Do not pay. Any job that asks students for a deposit, a uniform fee or a training fee breaks the platform's "
     "rules. Report the job from its page, or send a report here: we take the job down and deal with the employer.",
     "押金 培训费 收费 诈骗 deposit fee scam fraud", 30),
    (C.QUESTION, "信用分是怎么计算的？", "How is my credit score calculated?",
     "信用分来自你在平台上的记录：按时到岗、完成工作、双方评价会加分；缺勤、临时取消会扣分。越久以前的记录影响越小。"
     "分数决定你能同时申请的岗位数量，以及能否提前看到新岗位。",
     "Your credit score comes from your record here: showing up on time, completed work and reviews add to it; "
     "no-shows and late cancellations take away. Older events count less. The score sets how many jobs you can "
     "apply for at once and whether you see new jobs early.",
     "信用 分数 等级 credit score tier", 40),
    (C.DISPUTE, "工时算少了怎么办？", "My hours were counted short. What can I do?",
     "雇主确认工时后，你可以在这次工作的页面上“对工时有异议”，写明实际工作时间。结算单在争议解决前不会付款，"
     "客服会核实双方的记录。",
     "After the employer confirms the hours you can dispute them on the engagement's page, giving the hours you "
     "actually worked. The statement is not paid until the dispute is settled; customer service checks both "
     "sides' records.",
     "工时 少算 异议 hours dispute short", 50),
    (C.QUESTION, "怎么取消已经接受的工作？", "How do I cancel a job I accepted?",
     "在“我的工作”里打开这次工作并选择取消。开工前较早取消不影响信用；临近开工取消会扣信用分，请尽早告知。",
     "Open it under \"My work\" and cancel. Cancelling well before the start does not affect your credit; "
     "cancelling shortly before it does, so tell us early.",
     "取消 退出 cancel withdraw", 60),
    (C.COMPLAINT, "雇主实际工作内容和岗位描述不符，怎么投诉？", "The work was not what the job said. How do I complain?",
     "在这里选择“投诉”，写明岗位、日期和不符的地方，以及你希望平台怎么处理。涉及人身安全请先拨打 110。",
     "Choose \"Complaint\" here and tell us the job, the date, what was different and what you ask us to do. "
     "If your safety is at risk, call 110 first.",
     "投诉 不符 描述 complaint description", 70),
    (C.QUESTION, "企业如何为岗位预付工资？", "How does an employer prepay wages for a job?",
     "在“付款”页面可以看到平台的收款账户和你的专属附言，转账时填写附言，系统会自动识别到账；到账后结算单即可付款给学生。",
     "The \"Payments in\" page shows the platform's account and your own payment reference; put the reference on "
     "the transfer and it is matched automatically. Statements are paid to students once the money is in.",
     "预付 付款 转账 企业 prepay funding employer transfer", 80),
]


def _seed_faq(agent: User) -> None:
    for category, q_zh, q_en, a_zh, a_en, keywords, position in FAQ:
        FAQEntry.objects.get_or_create(question_zh=q_zh, defaults={
            "category": category, "question_en": q_en, "answer_zh": a_zh, "answer_en": a_en,
            "keywords": keywords, "position": position, "updated_by": agent})


def _ticket(user: User, key: str, **fields) -> Ticket | None:
    """Open the demo ticket `key` once; None when it exists already (steps are not replayed)."""
    if Ticket.objects.filter(source_key=f"demo:{key}").exists():
        return None
    return ticket_open(user=user, source_key=f"demo:{key}", **fields)


@transaction.atomic
def seed_support(*, agent: User) -> None:
    from accounts.demo import STUDENT_LOGIN
    from employers.demo import EMPLOYER_LOGIN

    _seed_faq(agent)
    student = User.objects.filter(email=STUDENT_LOGIN).first()
    employer = User.objects.filter(email=EMPLOYER_LOGIN).first()
    if student is not None:
        _ticket(student, "student-open", category=C.QUESTION, subject="收款方式可以换成支付宝吗？",
                body="我之前绑定的是银行卡，想改成支付宝收款。", demand="告诉我怎么修改。")
        ticket = _ticket(student, "student-waiting", category=C.COMPLAINT, subject="上周六的岗位实际工作内容不符",
                         body="岗位写的是发传单，到了以后让我搬货四个小时。", demand="希望平台核实并提醒雇主。")
        if ticket:
            ticket_reply(pk=ticket.pk, actor=agent, ask_user=True,
                         body="您好，已收到。请告诉我们具体日期和门店地址，如有照片也请一并发来。")
        ticket = _ticket(student, "student-resolved", category=C.QUESTION, subject="工资什么时候到账？",
                         body="11 月 20 日的工作，结算单显示已确认，还没收到钱。")
        if ticket:
            ticket_reply(pk=ticket.pk, actor=agent, body="我们正在核实雇主的预付款情况。")
            ticket_resolve(pk=ticket.pk, actor=agent, reason="雇主的预付款已到账，工资将在下一个工作日打到您的银行卡。")
        ticket = _ticket(student, "student-closed", category=C.FEEDBACK, subject="建议增加夜班岗位筛选",
                         body="希望能按时间段筛选岗位。")
        if ticket:
            ticket_resolve(pk=ticket.pk, actor=agent, reason="谢谢建议，已转给产品团队。")
            ticket_close(pk=ticket.pk, actor=agent)
    if employer is not None:
        ticket = _ticket(employer, "employer-progress", category=C.QUESTION, subject="如何开具发票？",
                         body="我们需要为上月的服务费开具增值税发票。", priority=Ticket.Priority.HIGH)
        if ticket:
            ticket_reply(pk=ticket.pk, actor=agent, body="已转财务同事处理，预计三个工作日内回复。")
            ticket_note(pk=ticket.pk, actor=agent, body="财务确认需要企业的开票信息。")
            ticket_assign(pk=ticket.pk, actor=agent, assignee=agent)
        _ticket(employer, "employer-phone", category=C.COMPLAINT, subject="学生临时取消导致门店缺人",
                body="电话来电：周日两名学生开工前一小时取消。", demand="希望平台说明处理规则。",
                channel=Ticket.Channel.PHONE, logged_by=agent)
