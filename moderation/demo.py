"""Demo data for moderation (used by `manage.py seed_demo` after jobs): an open
report from the demo student and a phone call-back on record, so the
moderator's queues are not empty on a first visit. Idempotent."""

from django.contrib.contenttypes.models import ContentType

from accounts.demo import STUDENT_LOGIN
from accounts.models import User
from jobs.models import Job, JobStatus

from . import services
from .models import Report, VerificationStep


def seed_moderation(*, moderator: User) -> None:
    student = User.objects.filter(email=STUDENT_LOGIN).first()
    reported = Job.objects.filter(title="商场新品试吃推广", status=JobStatus.PUBLISHED).first()
    if student is not None and reported is not None and not Report.objects.exists():
        services.report_job_create(job_id=reported.pk, reporter=student, category=Report.Category.FALSE_INFORMATION,
                                   details="面试时说工作地点在另一家超市，和岗位写的地址不一样。")
    checked = Job.objects.filter(title="会展签到与引导志愿者（有薪）").first()
    if checked is not None and not VerificationStep.objects.exists():
        services.verification_step_record(
            actor=moderator, content_type=ContentType.objects.get_for_model(Job), object_id=checked.pk,
            kind=VerificationStep.Kind.PHONE_CALLBACK, outcome=VerificationStep.Outcome.CONFIRMED,
            notes="致电单位联系人张先生，确认展会日期、地点与人数属实，午餐由主办方提供。")
