"""Staff checking a registration before it may act became "vetting" (资质审核; S1.2, E1.2), so
"review" means only the ratings after an engagement: a database at the schema before, with a
student profile and an employer in every state, the moderator group and a user holding the old
permissions, and the policy's target set, migrates forward with every row's state, reason and
decider kept, and the permissions renamed in place, still held (DESIGN: no data is lost).

A migration test (django-test-migrations) sharing its round trip with the other upgrades
(tests/upgrades/conftest.py)."""

import datetime as dt

import pytest
from django.utils import timezone

from .conftest import upgrade_seed

pytestmark = pytest.mark.django_db

STATES = ["draft", "submitted", "info_requested", "approved", "rejected"]
DECIDED = {"info_requested", "approved", "rejected"}


@upgrade_seed("vetting", before={"accounts": "0006_staff_second_factor_reset", "employers": "0004_employer_sanctions",
                                 "core": "0014_calendar_year_confirmation"})
def seed(old_apps) -> dict:
    User = old_apps.get_model("accounts", "User")
    Permission = old_apps.get_model("auth", "Permission")
    vetter = User.objects.create(email="vetter@example.com", kind="staff", is_staff=True)
    decided_at = timezone.now() - dt.timedelta(days=1)
    students, employers = {}, {}
    for n, state in enumerate(STATES):
        # a student registration in every state, the decided ones with their decider and reason
        decision = ({"reviewed_at": decided_at, "reviewed_by": vetter, "review_reason": f"学生理由 {state}"}
                    if state in DECIDED else {})
        student = User.objects.create(email=f"student-{state}@example.com", kind="student")
        profile = old_apps.get_model("accounts", "StudentProfile").objects.create(
            user=student, real_name=f"学生{n}", gender="female", date_of_birth=dt.date(2004, 5, 1), school="复旦大学",
            major="数学", enrolment_year=2023, mobile=f"+8613800000{n:03d}", review_status=state,
            submitted_at=None if state == "draft" else decided_at - dt.timedelta(hours=2), **decision)
        students[state] = profile.pk
        # and an employer in every state
        decision = ({"reviewed_at": decided_at, "reviewed_by": vetter, "review_reason": f"单位理由 {state}"}
                    if state in DECIDED else {})
        employer = old_apps.get_model("employers", "Employer").objects.create(
            name=f"单位{n}", uscc=f"91310000MA1K{n:06d}", address="上海市", city="上海市", business_scope="餐饮",
            contact_name="王经理", contact_mobile=f"+8613900000{n:03d}", business_licence=f"employer-documents/{n}.jpg",
            review_status=state, submitted_at=None if state == "draft" else decided_at, **decision)
        employers[state] = employer.pk
    # the moderator group and one user holding the old permissions, as on a live database
    student_perm = Permission.objects.get(content_type__app_label="accounts", codename="review_studentprofile")
    employer_perm = Permission.objects.get(content_type__app_label="employers", codename="review_employer")
    group, _created = old_apps.get_model("auth", "Group").objects.get_or_create(name="moderator")
    group.permissions.add(student_perm, employer_perm)
    vetter.user_permissions.add(student_perm, employer_perm)
    # the policy's vetting target, changed from its default
    Policy = old_apps.get_model("core", "Policy")
    policy = Policy.objects.first() or Policy.objects.create()
    Policy.objects.filter(pk=policy.pk).update(registration_review_working_days=4)
    return {"vetter": vetter.pk, "decided_at": decided_at, "students": students, "employers": employers,
            "student_perm": student_perm.pk, "employer_perm": employer_perm.pk, "policy": policy.pk}


def test_s1_2_e1_2_registration_reviews_become_vetting_with_every_row_and_permission_kept(upgraded):
    # given a database at the schema before the rename, with registrations in every state and the
    # permissions held (seed above), when it migrated forward (the `upgraded` fixture)
    apps, before = upgraded.apps, upgraded.seeded["vetting"]

    # then every student registration is there in its state, the decided ones with decider, time and reason
    for model, rows, word in (("accounts.StudentProfile", before["students"], "学生"),
                              ("employers.Employer", before["employers"], "单位")):
        vetted = {row.pk: row for row in apps.get_model(model).objects.filter(pk__in=rows.values())}
        assert len(vetted) == len(STATES), model
        for state, pk in rows.items():
            row = vetted[pk]
            expected = ((before["decided_at"], before["vetter"], f"{word}理由 {state}") if state in DECIDED
                        else (None, None, ""))
            assert (row.vetting_status, row.vetted_at, row.vetted_by_id, row.vetting_reason) == (state, *expected)
            assert (row.submitted_at is None) == (state == "draft")

    # and the permissions were renamed in place: same ids, still held by the group and the user
    Permission = apps.get_model("auth", "Permission")
    assert Permission.objects.get(pk=before["student_perm"]).codename == "vet_studentprofile"
    assert Permission.objects.get(pk=before["employer_perm"]).codename == "vet_employer"
    assert not Permission.objects.filter(codename__in=["review_studentprofile", "review_employer"]).exists()
    held = set(apps.get_model("auth", "Group").objects.get(name="moderator").permissions.values_list("pk", flat=True))
    assert {before["student_perm"], before["employer_perm"]} <= held
    assert set(apps.get_model("accounts", "User").objects.get(pk=before["vetter"])
               .user_permissions.values_list("codename", flat=True)) == {"vet_studentprofile", "vet_employer"}

    # and the policy kept its vetting target
    assert apps.get_model("core", "Policy").objects.get(pk=before["policy"]).vetting_working_days == 4
