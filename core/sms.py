"""Text messages (issue 20): one interface, the backend chosen by settings.

`sms_send` records the message (template, masked number, time; the number and
the parameters encrypted) and queues its delivery after commit; the task asks
the backend configured in SMS_BACKEND and records the outcome, retrying
temporary failures with backoff.

Backends:
- ConsoleSmsBackend prints the text (`make run`: it appears in the terminal
  beside the e-mails);
- LocmemSmsBackend keeps it in `core.sms.outbox` (tests);
- AliyunSmsBackend sends through Alibaba Cloud SMS with the sign name, template
  codes and credentials from the environment; its SDK is imported only when a
  message is really sent."""

from __future__ import annotations

import datetime as dt
import json
import sys
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

from .models import SmsMessage
from .phones import mask_phone

if TYPE_CHECKING:
    from django.contrib.auth.models import _User as User


class SmsTemplate:
    """Template keys; each has a text (console, tests) and, for Alibaba Cloud, a
    template code in SMS_ALIYUN_TEMPLATES (the text there must match)."""

    VERIFICATION_CODE = "verification_code"
    UNKNOWN_ACCOUNT = "unknown_account"
    ACCOUNT_EXISTS = "account_exists"
    ALERT = "alert"
    # A minor's guardian is told of each hire (docs/minors.md); the guardian has no account.
    GUARDIAN_HIRE = "guardian_hire"


TEMPLATE_TEXTS = {
    SmsTemplate.VERIFICATION_CODE: _("Your Jianzhi verification code is %(code)s. It expires in 5 minutes; "
                                     "never tell it to anyone."),
    SmsTemplate.UNKNOWN_ACCOUNT: _("Someone asked to sign in to Jianzhi with this number, but no account uses it. "
                                   "If it was you, sign up first."),
    SmsTemplate.ACCOUNT_EXISTS: _("Someone asked to add this number to another Jianzhi account; it stays with "
                                  "yours. If it was you, sign in with this number instead."),
    SmsTemplate.ALERT: _("Jianzhi: %(subject)s Details: %(link)s"),
    SmsTemplate.GUARDIAN_HIRE: _("Jianzhi: %(name)s, in your guardianship, has been hired by %(employer)s for "
                                 "“%(job)s”, first shift %(first)s."),
}


class SmsTemporaryError(Exception):
    """The provider could not take the message now (network, throttling): retry."""


class SmsRejected(Exception):
    """The provider refused the message (bad number, template): retrying will not help."""


@dataclass
class SmsResult:
    provider_id: str = ""


def render(template: str, params: dict[str, Any]) -> str:
    with translation.override("zh-hans"):
        return str(TEMPLATE_TEXTS[template]) % params


class ConsoleSmsBackend:
    def send(self, *, phone: str, template: str, params: dict[str, Any]) -> SmsResult:
        sys.stdout.write(f"\n----- SMS to {phone} ({template}) -----\n{render(template, params)}\n"
                         f"-----------------------------------------\n")
        sys.stdout.flush()
        return SmsResult(provider_id="console")


outbox: list[dict[str, Any]] = []


class LocmemSmsBackend:
    def send(self, *, phone: str, template: str, params: dict[str, Any]) -> SmsResult:
        outbox.append({"phone": phone, "template": template, "params": params, "text": render(template, params)})
        return SmsResult(provider_id=f"locmem-{len(outbox)}")


class AliyunSmsBackend:
    """Alibaba Cloud SMS (dysmsapi 2017-05-25, SendSms)."""

    def _client(self) -> Any:
        from alibabacloud_dysmsapi20170525.client import Client
        from alibabacloud_tea_openapi import models as open_api_models

        config = open_api_models.Config(access_key_id=settings.SMS_ALIYUN_ACCESS_KEY_ID,
                                        access_key_secret=settings.SMS_ALIYUN_ACCESS_KEY_SECRET,
                                        endpoint=settings.SMS_ALIYUN_ENDPOINT)
        return Client(config)

    def send(self, *, phone: str, template: str, params: dict[str, Any]) -> SmsResult:
        from alibabacloud_dysmsapi20170525 import models as sms_models

        template_code = settings.SMS_ALIYUN_TEMPLATES.get(template)
        if not template_code:
            raise SmsRejected(f"no Alibaba Cloud template code for {template}")
        request = sms_models.SendSmsRequest(
            phone_numbers=phone.removeprefix("+86"), sign_name=settings.SMS_ALIYUN_SIGN_NAME,
            template_code=template_code, template_param=json.dumps(params, ensure_ascii=False),
        )
        try:
            response = self._client().send_sms(request)
        except Exception as error:  # noqa: BLE001 - the SDK raises its own errors for network faults
            raise SmsTemporaryError(type(error).__name__) from error
        body = response.body
        if body.code == "OK":
            return SmsResult(provider_id=body.biz_id or "")
        if body.code in ("isv.BUSINESS_LIMIT_CONTROL", "SignatureDoesNotMatch", "ServiceUnavailable"):
            raise SmsTemporaryError(body.code)
        raise SmsRejected(body.code or "unknown")


def backend() -> Any:
    return import_string(settings.SMS_BACKEND)()


def sms_send(*, phone: str, template: str, params: dict[str, Any] | None = None,
             recipient: User | None = None, send_after: dt.datetime | None = None) -> SmsMessage:
    """Record the message and queue its delivery once the transaction commits; a message
    held until `send_after` (the quiet hours) is released by `sms_release_held`."""
    if template not in TEMPLATE_TEXTS:
        raise ValueError(f"unknown SMS template {template}")
    message = SmsMessage.objects.create(
        recipient=recipient, template=template, phone=phone, phone_masked=mask_phone(phone),
        params=json.dumps(params or {}, ensure_ascii=False), send_after=send_after,
    )
    if send_after is None:
        from .tasks import send_sms

        transaction.on_commit(lambda: send_sms.delay(message.pk))
    return message


def sms_release_held(*, now: dt.datetime | None = None) -> int:
    """Beat: queue the held messages whose time has come. Each is claimed by clearing its
    hold in one conditional UPDATE, so two sweeps never queue the same message twice."""
    from .tasks import send_sms

    now = now or timezone.now()
    released = 0
    due = SmsMessage.objects.filter(status=SmsMessage.Status.QUEUED, send_after__lte=now)
    for pk in list(due.values_list("pk", flat=True)[:1000]):
        if SmsMessage.objects.filter(pk=pk, send_after__isnull=False).update(send_after=None):
            transaction.on_commit(partial(send_sms.delay, pk))
            released += 1
    return released


def sms_deliver(*, message_id: int, last_try: bool) -> None:
    """One delivery attempt; SmsTemporaryError propagates for the task's retry."""
    message = SmsMessage.objects.filter(pk=message_id, status=SmsMessage.Status.QUEUED,
                                        send_after__isnull=True).first()
    if message is None:
        return  # sent already (a redelivered task) or erased
    SmsMessage.objects.filter(pk=message.pk).update(attempts=message.attempts + 1)
    try:
        result = backend().send(phone=message.phone, template=message.template, params=json.loads(message.params))
    except SmsTemporaryError as error:
        if last_try:
            _failed(message, error)
        else:
            SmsMessage.objects.filter(pk=message.pk).update(error=str(error)[:200])
        raise
    except Exception as error:  # noqa: BLE001 - refused: recorded, never retried, never silent
        _failed(message, error)
        return
    SmsMessage.objects.filter(pk=message.pk).update(status=SmsMessage.Status.SENT, provider_id=result.provider_id[:100],
                                                    sent_at=timezone.now(), error="")


def _failed(message: SmsMessage, error: BaseException) -> None:
    SmsMessage.objects.filter(pk=message.pk).update(status=SmsMessage.Status.FAILED,
                                                    error=f"{type(error).__name__}: {error}"[:200])


def sms_erase_for(*, user_id: int) -> int:
    """Erasure (PIPL art. 47): the number and parameters go, the masked record stays."""
    return SmsMessage.objects.filter(recipient_id=user_id).update(phone="", params="{}", recipient=None)
