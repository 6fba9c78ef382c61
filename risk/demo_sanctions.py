"""Demo sanctions for `manage.py seed_demo` (E4.2): a warning to a demo employer
that is not the main one, and a warning to a demo student that is not the main
one, with the student's appeal open so staff find an appeal to decide (by a
moderator other than the one who imposed it). Safe to run again: a subject that
already has a sanction is left alone."""

from accounts.demo import DEMO_DOMAIN
from accounts.models import StudentProfile
from employers.models import EmployerMember

from .models import Sanction
from .sanctions import appeal_file, violation_record

EMPLOYER_LOGINS = [f"employer{n:02d}@{DEMO_DOMAIN}" for n in (6, 3, 2)]
STUDENT_LOGINS = [f"student{n:02d}@{DEMO_DOMAIN}" for n in (1, 2, 3)]


def _first_employer_id() -> int | None:
    for email in EMPLOYER_LOGINS:
        member = EmployerMember.objects.filter(user__email=email, employer__vetting_status="approved").first()
        if member is not None:
            return member.employer_id
    return None


def _first_student():
    for email in STUDENT_LOGINS:
        profile = StudentProfile.objects.select_related("user").filter(
            user__email=email, vetting_status="approved").first()
        if profile is not None:
            return profile.user
    return None


def seed_sanctions(*, moderator, other_moderator=None) -> dict:
    """Returns what was created: {"employer": sanction or None, "student": sanction or None}."""
    created = {"employer": None, "student": None}
    employer_id = _first_employer_id()
    if employer_id is not None and not Sanction.objects.filter(subject_kind="employer",
                                                               subject_id=employer_id).exists():
        created["employer"] = violation_record(
            subject_kind="employer", subject_id=employer_id, category="unpaid_wages", actor=moderator,
            reason="演示：十月份的工资比约定晚了五天才支付。请按约定的日期支付。",
            evidence="结算单 2026-10（演示）")
    student = _first_student()
    if student is not None and not Sanction.objects.filter(subject_kind="student", subject_id=student.pk).exists():
        sanction = violation_record(
            subject_kind="student", subject_id=student.pk, category="no_shows", actor=moderator,
            reason="演示：两次录用后未到岗，也没有提前取消。", evidence="考勤记录（演示）")
        appeal_file(sanction_id=sanction.pk, user=student,
                    text="演示：第二次是因为生病，我在开工前一小时给店长打过电话，有通话记录。")
        created["student"] = sanction
    return created
