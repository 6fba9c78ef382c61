"""Thin tasks: the invitation e-mail (the invitee has no account, so no inbox)."""

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from .models import EmployerInvitation


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_invitation_email(invitation_id: int) -> None:
    invitation = (
        EmployerInvitation.objects.select_related("employer", "invited_by").filter(pk=invitation_id).first()
    )
    if invitation is None or invitation.accepted_at is not None:
        return
    link = settings.SITE_URL.rstrip("/") + reverse("employers:invitation_accept", args=[invitation.token])
    # The invitee's language is unknown; the inviter's is the best guess.
    language = getattr(invitation.invited_by, "language", None) or settings.LANGUAGE_CODE
    with translation.override(language):
        subject = _("You are invited to join %(name)s on Jianzhi") % {"name": invitation.employer.name}
        body = _(
            "%(inviter)s invites you to act for %(name)s on Jianzhi, the part-time job platform for students.\n\n"
            "Sign up (or sign in) with an employer account using this e-mail address, then open:\n%(link)s\n\n"
            "The link is valid until %(expires)s. If you did not expect this invitation, ignore this e-mail."
        ) % {
            "inviter": invitation.invited_by.email if invitation.invited_by else _("A colleague"),
            "name": invitation.employer.name,
            "link": link,
            "expires": timezone.localtime(invitation.expires_at).strftime("%Y-%m-%d %H:%M"),
        }
    send_mail(
        subject=f"{settings.ACCOUNT_EMAIL_SUBJECT_PREFIX}{subject}",
        message=body,
        from_email=None,
        recipient_list=[invitation.email],
    )

