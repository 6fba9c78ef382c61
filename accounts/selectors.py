"""Reads for accounts: the dashboard and a user's own data export (PIPL art. 45)."""

import datetime as dt

from allauth.account.models import EmailAddress
from django.db.models import BigIntegerField, Count, OuterRef, Q, Subquery
from django.utils import timezone

from core.compiled import CompiledQuery, Slot
from core.history import history_for

from .models import (
    Consent,
    DeletionRequest,
    GuardianConsent,
    GuardianNotice,
    PersonalDataAccess,
    StudentProfile,
    StudentVerification,
    User,
)
from .signals import personal_data_collect


def student_profile_for(user: User) -> StudentProfile | None:
    profile = StudentProfile.objects.filter(user=user).first()
    if profile is not None:
        profile.user = user  # the caller's instance: no join, and one User object per request
    return profile


# What templates/accounts/student_dashboard.html shows of the profile; the encrypted ID number
# and the rest are not read (a field missing here costs a query, which the dashboard's pinned
# query count catches).
DASHBOARD_PROFILE_FIELDS = ("id", "user_id", "vetting_status", "vetting_reason", "real_name", "school", "major",
                            "is_minor_worker", "verification_level")


USER_ID = Slot("user_id")


def _dashboard_profile_query():
    latest = StudentVerification.objects.filter(profile=OuterRef("pk")).order_by("-created_at")
    return (StudentProfile.objects.filter(user_id=USER_ID.sql(BigIntegerField())).only(*DASHBOARD_PROFILE_FIELDS)
            .annotate(latest_verification_status=Subquery(latest.values("status")[:1]),
                      latest_verification_reason=Subquery(latest.values("reason")[:1])))


_dashboard_profile = CompiledQuery(_dashboard_profile_query)


_user_by_id = CompiledQuery(lambda: User._default_manager.filter(pk=USER_ID.sql(BigIntegerField())))


def user_by_id(user_id: int) -> User | None:
    """The signed-in user of every request (accounts.backends), compiled once per process."""
    return _user_by_id.first({USER_ID: user_id})  # type: ignore[return-value]


def student_dashboard_profile(user: User) -> StudentProfile | None:
    """The student's profile with the status and reason of their latest verification
    request (S1.3) in the same query: the dashboard every student opens first reads
    both, and a second query costs it a fifth of its throughput (student_dashboard_rps_ratio).
    Compiled once per process (core.compiled): building it cost more than running it."""
    profile = _dashboard_profile.first({USER_ID: user.pk})
    if profile is not None:
        profile.user = user
    return profile


def guardian_consent_current(student: User) -> GuardianConsent | None:
    """The guardian's consent in force for a student aged 16–17, or None (docs/minors.md)."""
    return (GuardianConsent.objects.filter(student=student, withdrawn_at__isnull=True)
            .order_by("-given_at").first())


def latest_verification_for(profile: StudentProfile | None) -> StudentVerification | None:
    if profile is None:
        return None
    return profile.verifications.order_by("-created_at").first()


def user_by_phone(phone: str) -> User | None:
    """The account that signs in with this mobile number (issue 20): verified numbers only (an unverified
    one holds nothing); staff never sign in by phone."""
    return User.objects.filter(phone=phone, phone_verified=True, is_active=True, is_staff=False).first()


def personal_data_export(user: User) -> dict:
    """Everything the platform holds about the user, as plain data.

    It is their own data, so the ID number is included in full; documents
    are listed by name (the user can download each from their pages)."""
    data: dict = {
        "account": {
            "email": user.email,
            "kind": user.kind,
            "date_joined": user.date_joined.isoformat(),
            "language": user.language,
            "mobile_number": user.phone or "",
            "mobile_number_verified": user.phone_verified,
            "verified_emails": list(EmailAddress.objects.filter(user=user, verified=True).values_list("email", flat=True)),
        },
        "consents": [
            {"kind": c.kind, "version": c.version, "given_at": c.given_at.isoformat(),
             "withdrawn_at": c.withdrawn_at.isoformat() if c.withdrawn_at else None}
            for c in Consent.objects.filter(user=user)
        ],
        # A minor's guardian's consent (docs/minors.md).
        "guardian_consents": [
            {"guardian_name": g.guardian_name, "relationship": g.relationship, "guardian_mobile": str(g.guardian_mobile),
             "version": g.document_version, "given_at": g.given_at.isoformat(),
             "withdrawn_at": g.withdrawn_at.isoformat() if g.withdrawn_at else None}
            for g in GuardianConsent.objects.filter(student=user)
        ],
        "text_messages": [
            {"template": m.template, "to": m.phone_masked, "queued_at": m.created_at.isoformat(), "status": m.status}
            for m in user.sms_messages.all()
        ],
        "notifications": [
            {"subject": n.subject, "body": n.body, "sent_at": n.created_at.isoformat()}
            for n in user.notifications.all()
        ],
    }
    profile = student_profile_for(user)
    if profile is not None:
        data["student_profile"] = {
            "real_name": profile.real_name,
            "gender": profile.gender,
            "date_of_birth": profile.date_of_birth.isoformat(),
            "school": profile.school,
            "major": profile.major,
            "enrolment_year": profile.enrolment_year,
            "mobile": str(profile.mobile),
            "contact_note": profile.contact_note,
            "is_minor_worker": profile.is_minor_worker,
            "id_number": profile.id_number,
            "verification_level": profile.verification_level,
            "vetting_status": profile.vetting_status,
            "vetting_reason": profile.vetting_reason,
            "history": [
                {"action": h.transition, "to": h.to_state, "at": h.created_at.isoformat(), "reason": h.reason}
                for h in history_for(profile)
            ],
            "verifications": [
                {"status": v.status, "submitted_at": v.created_at.isoformat(), "student_proof": v.student_proof_kind,
                 "documents": [f.name for f in (v.id_card_front, v.id_card_back, v.student_card) if f]}
                for v in profile.verifications.all()
            ],
        }
    # What apps above accounts hold (payout methods …), through their receivers.
    for _receiver, section in personal_data_collect.send(sender=User, user=user):
        data.update(section or {})
    return data


def personal_data_year_figures(year: int) -> dict[str, int]:
    """What the yearly user-data protection self-check counts (《网络招聘服务管理规定》; PIPL
    art. 54): accounts, consents given and withdrawn, staff reveals and exports of personal data,
    deletion requests received, completed and still open, all within the calendar year."""
    from django.db.models import Count, Q

    from .models import DeletionRequest, PersonalDataAccess

    consents = Consent.objects.aggregate(
        given=Count("pk", filter=Q(given_at__year=year)), withdrawn=Count("pk", filter=Q(withdrawn_at__year=year)))
    reveals = PersonalDataAccess.objects.filter(accessed_at__year=year).aggregate(
        reveals=Count("pk", filter=~Q(item=PersonalDataAccess.Item.DATA_EXPORT)),
        exports=Count("pk", filter=Q(item=PersonalDataAccess.Item.DATA_EXPORT)),
        staff=Count("staff", distinct=True))
    deletions = DeletionRequest.objects.filter(created_at__year=year).aggregate(
        received=Count("pk"), completed=Count("pk", filter=Q(completed_at__isnull=False)))
    return {
        "accounts": User.objects.filter(date_joined__year__lte=year).count(),
        "consents_given": consents["given"], "consents_withdrawn": consents["withdrawn"],
        "staff_reveals": reveals["reveals"], "staff_exports": reveals["exports"],
        "staff_who_revealed": reveals["staff"],
        "deletions_received": deletions["received"], "deletions_completed": deletions["completed"],
        "deletions_open": deletions["received"] - deletions["completed"],
    }


# What the platform collects about a student aged 16–17, by where it is kept (the audit's
# "what was collected"; the field names are the models').
MINOR_DATA_COLLECTED = {
    "accounts.StudentProfile": ["real_name", "gender", "date_of_birth", "school", "major", "enrolment_year",
                                "mobile", "contact_note", "id_number (encrypted)"],
    "accounts.StudentVerification": ["id_card_front", "id_card_back", "student_card", "chsi_code"],
    "accounts.GuardianConsent": ["guardian_name", "relationship", "guardian_mobile", "document_version",
                                 "given_at"],
    "accounts.GuardianNotice": ["guardian_mobile", "text"],
}


def minors_data_audit_figures(*, year: int) -> dict:
    """The figures of the yearly audit of minors' personal data (《未成年人网络保护条例》 art. 37;
    docs/minors.md) for calendar `year`, from the data: a handful of aggregate queries."""
    start = timezone.make_aware(dt.datetime(year, 1, 1))
    end = timezone.make_aware(dt.datetime(year + 1, 1, 1))
    minors = StudentProfile.objects.filter(is_minor_worker=True)
    minor_users = minors.values("user_id")
    consents = (Consent.objects.filter(user__in=minor_users, given_at__gte=start, given_at__lt=end)
                .values("kind", "version").annotate(n=Count("id")).order_by("kind", "version"))
    access = (PersonalDataAccess.objects.filter(subject__in=minor_users, accessed_at__gte=start, accessed_at__lt=end)
              .values("item").annotate(n=Count("id")).order_by("item"))
    guardian = GuardianConsent.objects.aggregate(
        given=Count("id", filter=Q(given_at__gte=start, given_at__lt=end)),
        withdrawn=Count("id", filter=Q(withdrawn_at__gte=start, withdrawn_at__lt=end)),
        in_force=Count("id", filter=Q(withdrawn_at__isnull=True)))
    return {
        "year": year,
        "minors": {"registered": minors.count(),
                   "registered_in_year": minors.filter(created_at__gte=start, created_at__lt=end).count(),
                   "deleted_in_year": User.objects.filter(
                       pk__in=minor_users, anonymised_at__gte=start, anonymised_at__lt=end).count()},
        "collected": MINOR_DATA_COLLECTED,
        "consents": [{"kind": row["kind"], "version": row["version"], "count": row["n"]} for row in consents],
        "guardian_consents": guardian,
        "guardian_notices": GuardianNotice.objects.filter(created_at__gte=start, created_at__lt=end).count(),
        "access_log": {"rows": sum(row["n"] for row in access),
                       "by_item": {row["item"]: row["n"] for row in access}},
        "deletion_requests_completed": DeletionRequest.objects.filter(
            completed_at__gte=start, completed_at__lt=end, user__in=minor_users).count(),
        "period": {"from": start.date().isoformat(), "until": (end - dt.timedelta(days=1)).date().isoformat()},
    }
