"""Every write from "apply" to confirmed hours (S2.2, S3, E3, E4, J1.3), by sub-domain:

- `applying`: intentions, the application and its withdrawal, invitations to apply;
- `offers`: the employer's hire or rejection, the student's acceptance or refusal;
- `engagements`: cancellation by either side, release without penalty, completion;
- `schedule_changes`: changes of time or place with the students' consent;
- `attendance`: QR check-in and check-out, marks by hand, no-shows, hours;
- `cases`: reports of unlawful demands and loss claims;
- `agreements`: the service agreement (劳务协议) of each engagement, its versions and acceptances;
- `minors`: a minor's health check and registration before the first shift (docs/minors.md);
- `shared`: what several of them use (internal).

Each service locks its row (`core.transitions.lock_row`), makes its own checks
(who may act, deadlines, headcount), then runs the transition through
`core.transitions.run_transition`, which saves the changed fields and writes
the history row in `ApplicationsAction`. Deadlines are computed when their
event happens and stored on the rows; `sweeps` acts on what is due. The
read-only rules (may the student apply, is the job full, do the shifts
overlap) are `applications.selectors`.

Every public name is importable from `applications.services`."""

from .agreements import AgreementChanged, agreement_accept, agreement_bytes, agreement_issue, sha256_hex
from .applying import (
    DOOR_INVITATION,
    CannotApply,
    InvitationRefused,
    application_apply,
    application_withdraw,
    intention_save,
    invitation_clear,
    invitation_reject,
    job_invite_student,
)
from .attendance import (
    CHECK_IN,
    CHECK_OUT,
    CHECKIN_OPENS_BEFORE,
    CHECKIN_ROTATE_SECONDS,
    CHECKIN_SALT,
    CHECKIN_TOKEN_MAX_AGE,
    CHECKOUT_AFTER_CHECKIN,
    MAX_OVERTIME_MINUTES,
    CheckinCode,
    CheckInRefused,
    attendance_mark,
    attendance_mark_no_show,
    checkin_code,
    checkin_scan,
    checkin_shift_id,
    checkin_token,
    checkout_opens_at,
    hours_confirm,
    hours_dispute,
    hours_dispute_resolve,
    no_show_contest,
    no_show_contest_decide,
)
from .cases import (
    demand_report_accept,
    demand_report_dismiss,
    demand_report_file,
    loss_claim_answer,
    loss_claim_decide,
    loss_claim_file,
    loss_claim_setoff_record,
)
from .engagements import (
    engagement_cancel_by_employer,
    engagement_cancel_by_student,
    engagement_complete,
    engagement_release,
)
from .minors import MinorChecksMissing, minor_checks_confirm, minor_checks_required
from .offers import AnswerTooLate, application_hire, application_reject, offer_accept, offer_decline
from .schedule_changes import (
    CHANGE_ANSWER_HOURS,
    DOOR_SCHEDULE_CHANGE,
    schedule_change_answer,
    schedule_change_clear,
    schedule_change_propose,
    schedule_change_reject,
    schedule_change_withdraw,
)
from .shared import JobFull, ScheduleOverlap

__all__ = [
    "CHANGE_ANSWER_HOURS", "CHECKIN_OPENS_BEFORE", "CHECKIN_ROTATE_SECONDS", "CHECKIN_SALT", "CHECKIN_TOKEN_MAX_AGE",
    "CHECKOUT_AFTER_CHECKIN", "CHECK_IN", "CHECK_OUT", "DOOR_INVITATION", "DOOR_SCHEDULE_CHANGE",
    "MAX_OVERTIME_MINUTES", "AgreementChanged", "AnswerTooLate", "CannotApply", "CheckInRefused", "CheckinCode", "InvitationRefused",
    "MinorChecksMissing", "minor_checks_confirm", "minor_checks_required",
    "JobFull", "ScheduleOverlap", "agreement_accept", "agreement_bytes", "agreement_issue", "application_apply", "application_hire", "application_reject",
    "application_withdraw", "attendance_mark", "attendance_mark_no_show", "checkin_code", "checkin_scan",
    "checkin_shift_id", "checkin_token", "checkout_opens_at", "demand_report_accept", "demand_report_dismiss",
    "demand_report_file", "engagement_cancel_by_employer", "engagement_cancel_by_student", "engagement_complete",
    "engagement_release", "hours_confirm", "hours_dispute", "hours_dispute_resolve", "intention_save",
    "invitation_clear", "invitation_reject", "job_invite_student", "loss_claim_answer", "loss_claim_decide",
    "loss_claim_file", "loss_claim_setoff_record", "no_show_contest", "no_show_contest_decide", "offer_accept", "offer_decline",
    "schedule_change_answer", "schedule_change_clear", "schedule_change_propose", "schedule_change_reject",
    "schedule_change_withdraw", "sha256_hex",
]
