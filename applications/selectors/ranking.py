"""Matching reads (E3.1, G4): the employer's ranked applicants, students to
invite, and a student's recommendations. Query counts are pinned in the tests."""

import datetime as dt
import json
from dataclasses import dataclass

from django.db.models import Count, Q
from django.utils import timezone

from accounts.models import StudentProfile, User
from jobs.models import Job, JobStatus, Shift
from jobs.selectors import job_filter_visible_to

from ..matching import CandidateFacts, JobFacts, MatchScore, day_part_of, rank, score, shift_slots
from ..models import Application, ApplicationStatus, Engagement, EngagementStatus, StudentIntention

RECOMMENDATION_CANDIDATES = 300  # newest matching jobs scored in Python; enough for a good top 20
RECOMMENDATIONS_SHOWN = 20
CANDIDATES_SHOWN = 50
CANDIDATE_POOL = 500  # students considered for invitations, newest intentions first


def job_facts(job: Job, shifts=None) -> JobFacts:
    shifts = list(job.shifts.all()) if shifts is None else shifts
    return JobFacts(category=job.category, city=job.city, district=job.district, is_remote=job.is_remote,
                    shift_slots=shift_slots(shifts))


def _experience_by_student(student_ids: list[int], category: str) -> dict[int, int]:
    """Completed engagements per student in this category, one grouped query."""
    if not student_ids:
        return {}
    rows = (Engagement.objects.filter(student_id__in=student_ids, status=EngagementStatus.COMPLETED,
                                      job__category=category)
            .values("student_id").annotate(n=Count("id")).values_list("student_id", "n"))
    return dict(rows)


def _candidate(user_id: int, intention: StudentIntention | None, profile: StudentProfile | None,
               experience: int) -> CandidateFacts:
    return CandidateFacts(
        student_id=user_id,
        availability=intention.availability if intention else 0,
        cities=tuple(intention.cities) if intention else (),
        districts=tuple(intention.districts) if intention else (),
        accepts_remote=intention.accepts_remote if intention else True,
        experience_in_category=experience,
        verification_level=profile.verification_level if profile else 0,
        credit_tier=getattr(profile, "credit_tier", 2) if profile else 2,
    )


@dataclass
class RankedApplicant:
    application_id: int
    status: str
    score: MatchScore
    rank: int
    # Loaded by `applicants_hydrate` (all rows by default; the list page only its page).
    application: Application | None = None
    profile: StudentProfile | None = None

    @property
    def contact_visible(self) -> bool:
        """E3.1: contact details only once the student accepted the hire."""
        return self.status == ApplicationStatus.ACCEPTED


# What ranking reads of each application: plain values, no model instances, so a
# job with 1,000 applicants ranks in one light query (E3.1, G5; the bench budget: 200 ms).
_FACT_COLUMNS = (
    "pk", "status", "student_id", "student__intention__availability", "student__intention__cities",
    "student__intention__districts", "student__intention__accepts_remote",
    "student__student_profile__verification_level", "student__student_profile__credit_tier",
)


def applicants_ranked(*, job: Job, statuses=None, hydrate: bool = True) -> list[RankedApplicant]:
    """The job's applicants, best match first, with the parts of each score.

    Queries: shifts 1, the applications' ranking facts 1, experience counts 1,
    and with `hydrate` the application rows with student and profile 1 — four
    whatever the number of applicants."""
    facts = job_facts(job, list(job.shifts.all()))
    rows = list(Application.objects.filter(job=job, **({"status__in": statuses} if statuses else {}))
                .values_list(*_FACT_COLUMNS))
    experience = _experience_by_student([row[2] for row in rows], job.category)
    status_of, candidates = {}, []
    for pk, status, student_id, availability, cities, districts, remote, level, tier in rows:
        status_of[student_id] = (pk, status)
        candidates.append(CandidateFacts(
            student_id=student_id, availability=availability or 0, cities=tuple(cities or ()),
            districts=tuple(districts or ()), accepts_remote=True if remote is None else remote,
            experience_in_category=experience.get(student_id, 0), verification_level=level or 0,
            credit_tier=2 if tier is None else tier))
    ranked = [RankedApplicant(application_id=status_of[c.student_id][0], status=status_of[c.student_id][1],
                              score=s, rank=i + 1) for i, (c, s) in enumerate(rank(candidates, facts))]
    if hydrate:
        applicants_hydrate(ranked)
    return ranked


def applicants_hydrate(rows: list[RankedApplicant]) -> None:
    """Load the application, student and profile of these rows in one query (the
    encrypted ID number, never shown to employers, stays unread)."""
    applications = Application.objects.select_related("student", "student__student_profile").defer(
        "student__password", "student__student_profile__id_number").in_bulk([r.application_id for r in rows])
    for row in rows:
        row.application = applications[row.application_id]
        row.profile = getattr(row.application.student, "student_profile", None)


def application_score(*, application: Application) -> MatchScore:
    """The score of one application, for its detail page."""
    return next(r.score for r in applicants_ranked(job=application.job, hydrate=False)
                if r.application_id == application.pk)


def invite_candidates(*, job: Job) -> list[tuple[User, MatchScore]]:
    """Approved students whose intentions match the job and who have not applied:
    the employer may invite them (E3.1). Ranked like applicants (G4)."""
    shifts = list(job.shifts.all())
    facts = job_facts(job, shifts)
    intentions = list(
        StudentIntention.objects.filter(
            student__is_active=True, student__student_profile__vetting_status="approved")
        .exclude(student__applications__job=job)
        .filter(_json_contains("categories", job.category) & _place_filter(job))
        .select_related("student", "student__student_profile").order_by("-updated_at")[:CANDIDATE_POOL]
    )
    minors_excluded = job.excludes_minors
    intentions = [i for i in intentions if not (minors_excluded and i.student.student_profile.is_minor_worker)]
    experience = _experience_by_student([i.student_id for i in intentions], job.category)
    candidates = [_candidate(i.student_id, i, i.student.student_profile, experience.get(i.student_id, 0))
                  for i in intentions]
    users = {i.student_id: i.student for i in intentions}
    return [(users[c.student_id], s) for c, s in rank(candidates, facts)[:CANDIDATES_SHOWN]]


def _json_contains(field: str, value: str) -> Q:
    """A JSON list contains a string, on PostgreSQL and SQLite alike: the stored text
    holds each element quoted, so a match on the quoted value is an element match."""
    return Q(**{f"{field}__icontains": json.dumps(value, ensure_ascii=False)})


def _place_filter(job: Job) -> Q:
    if job.is_remote:
        return Q(accepts_remote=True)
    return _json_contains("cities", job.city)


@dataclass
class Recommendation:
    job: Job
    score: MatchScore
    pay_ok: bool


# Fields the recommendation cards show; the rest of a job row is never read.
_CARD_FIELDS = ("pk", "title", "category", "city", "district", "is_remote", "pay_unit", "base_rate_fen",
                "hourly_pay_fen", "first_shift_date", "employer__name")


def recommendations_for(*, student: User, now: dt.datetime | None = None) -> list[Recommendation]:
    """"Recommended for you" (E3.1): published jobs open for applications in the
    student's categories and cities, scored by availability, place and pay.

    Bounded and light: the newest RECOMMENDATION_CANDIDATES matching jobs as plain
    values (index on status, category/city, published_at), their shifts as
    tuples, and only the RECOMMENDATIONS_SHOWN best loaded for their cards —
    five queries, none growing with the number of jobs."""
    now = now or timezone.now()
    intention = StudentIntention.objects.filter(student=student).first()
    if intention is None:
        return []
    jobs = Job.objects.filter(status=JobStatus.PUBLISHED, application_deadline__gt=now)
    if intention.categories:
        jobs = jobs.filter(category__in=intention.categories)
    place = Q()
    if intention.cities:
        place = Q(city__in=intention.cities)
    if intention.accepts_remote:
        place = place | Q(is_remote=True) if intention.cities else Q()
    jobs = jobs.filter(place)
    profile = StudentProfile.objects.filter(user=student).only("verification_level", "credit_tier",
                                                                "is_minor_worker").first()
    if profile and profile.is_minor_worker:
        jobs = jobs.filter(has_night_work=False, closed_to_minors=False)
    jobs = job_filter_visible_to(jobs, profile=profile, now=now)  # early access by tier (K3.1)
    rows = list(jobs.exclude(applications__student=student).order_by("-published_at", "-id")
                .values_list("pk", "category", "city", "district", "is_remote", "hourly_pay_fen")
                [:RECOMMENDATION_CANDIDATES])
    slots_by_job: dict[int, set] = {}
    for job_id, day, start in Shift.objects.filter(job__in=[r[0] for r in rows]).values_list(
            "job_id", "date", "start_time"):
        slots_by_job.setdefault(job_id, set()).add((day.weekday(), day_part_of(start)))
    me = _candidate(student.pk, intention, profile, 0)
    scored = []
    for order, (pk, category, city, district, remote, hourly) in enumerate(rows):
        facts = JobFacts(category=category, city=city, district=district, is_remote=remote,
                         shift_slots=tuple(sorted(slots_by_job.get(pk, ()))))
        scored.append((hourly < intention.expected_hourly_fen, -score(me, facts).total, order, pk))
    # Pay below what the student asked for sinks but does not vanish; among equals, newest first.
    scored.sort()
    best = scored[:RECOMMENDATIONS_SHOWN]
    cards = Job.objects.select_related("employer").only(*[f for f in _CARD_FIELDS if f != "pk"]).in_bulk(
        [pk for *_rest, pk in best])
    return [Recommendation(job=cards[pk], score=score(me, job_facts_from_card(cards[pk], slots_by_job.get(pk, ()))),
                           pay_ok=not below) for below, _neg, _order, pk in best if pk in cards]


def job_facts_from_card(job: Job, slots) -> JobFacts:
    return JobFacts(category=job.category, city=job.city, district=job.district, is_remote=job.is_remote,
                    shift_slots=tuple(sorted(slots)))
