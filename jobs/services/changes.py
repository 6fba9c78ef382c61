"""Changes to a live job's schedule or workplace that its hired students
consented to (J1.3). The applications app runs the consent and calls these
once everyone agreed; the job's derived schedule facts follow."""

import datetime as dt

from core.history import history_record
from core.transitions import lock_row

from ..compliance import Finding, screen_rules
from ..models import Job, JobAction, Shift
from ..schedule import ShiftSpec
from .common import _data_of, _set_schedule_facts, _shift_specs, search_document_for


def _refresh_schedule_facts(job: Job) -> None:
    _set_schedule_facts(job, _shift_specs(job))
    job.save(update_fields=["total_minutes", "first_shift_date", "last_shift_end", "has_night_work",
                            "hourly_pay_fen", "updated_at"])


def shift_reschedule(*, shift_id: int, date: dt.date, start: dt.time, end: dt.time) -> Shift:
    """Move one shift. Called only by applications once every hired student has
    consented to the change (J1.3); the job's schedule facts follow."""
    shift = lock_row(Shift, shift_id, related=("job",))
    before = str(shift)
    shift.date, shift.start_time, shift.end_time = date, start, end
    shift.save(update_fields=["date", "start_time", "end_time"])
    job = lock_row(Job, shift.job_id)
    _refresh_schedule_facts(job)
    history_record(subject=job, transition=JobAction.SHIFT_MOVED, from_state=job.status, to_state=job.status,
                   reason=f"{before} → {shift}")
    return shift


def schedule_change_findings(*, job: Job, shift_id: int, new_spec: ShiftSpec) -> list[Finding]:
    """What the rules of the screen (part-time limits, night work, minimum wage;
    art. 68, J1.4) find in the job's schedule with one shift moved that they do
    not already find in the approved schedule (J1.3): a change re-checks only
    what it changes, so a night shift the moderator approved is not flagged again."""
    current = [(s.pk, ShiftSpec(s.date, s.start_time, s.end_time)) for s in job.shifts.all()]
    changed = [new_spec if pk == shift_id else spec for pk, spec in current]
    data = _data_of(job)
    before, _facts = screen_rules(data, [spec for _pk, spec in current], employer_city=job.employer.city)
    after, _facts = screen_rules(data, changed, employer_city=job.employer.city)
    known = {(f.code, f.field) for f in before}
    return [f for f in after if (f.code, f.field) not in known]


def job_workplace_change(*, job_id: int, address: str) -> Job:
    """Change the workplace address after the hired students consented (J1.3)."""
    job = lock_row(Job, job_id, related=("employer",))
    before = job.address
    job.address = address
    # The old position points at the old workplace: no distance is better than a wrong one
    # (S2.1); the employer places the new workplace by editing the job.
    job.latitude = job.longitude = None
    job.search_document = search_document_for(job)
    job.save(update_fields=["address", "latitude", "longitude", "search_document", "updated_at"])
    history_record(subject=job, transition=JobAction.WORKPLACE_CHANGED, from_state=job.status,
                   to_state=job.status, reason=f"{before} → {address}")
    return job
