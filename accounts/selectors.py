"""Reads for accounts: the dashboard and a user's own data export (PIPL art. 45)."""

from allauth.account.models import EmailAddress

from core.history import history_for

from .models import Consent, StudentProfile, StudentVerification, User
from .signals import personal_data_collect


def student_profile_for(user: User) -> StudentProfile | None:
    return StudentProfile.objects.select_related("user").filter(user=user).first()


def latest_verification_for(profile: StudentProfile | None) -> StudentVerification | None:
    if profile is None:
        return None
    return profile.verifications.order_by("-created_at").first()


def user_by_phone(phone: str) -> User | None:
    """The account that uses this mobile number (issue 20); staff never sign in by phone."""
    return User.objects.filter(phone=phone, is_active=True, is_staff=False).first()


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
            "review_status": profile.review_status,
            "review_reason": profile.review_reason,
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
