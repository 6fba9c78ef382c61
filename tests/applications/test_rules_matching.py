"""The match score (E3.1) and fairness (G4): each part of the score on its own,
and proof that changing only who a student is — gender, age (staying adult),
name, origin and the other personal data on the profile — changes no rank,
neither the employer's ranked applicants nor a student's recommendations."""

import dataclasses
import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from accounts.models import StudentProfile
from applications.matching import (
    AVAILABILITY_POINTS,
    CREDIT_POINTS,
    DISTANCE_POINTS,
    EXPERIENCE_POINTS,
    VERIFICATION_POINTS,
    CandidateFacts,
    JobFacts,
    day_part_of,
    rank,
    score,
)
from applications.models import ALL_AVAILABLE, Engagement, EngagementStatus, availability_bit
from applications.selectors import applicants_ranked, invite_candidates, recommendations_for
from jobs.models import JobCategory
from tests.factories.applications import (
    ApplicationFactory,
    EngagementFactory,
    StudentIntentionFactory,
    approved_student,
)
from tests.factories.jobs import JobFactory

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2025, 9, 25, 10, 0, tzinfo=SHANGHAI)
FRIDAY, SATURDAY = dt.date(2025, 9, 26), dt.date(2025, 9, 27)  # weekday 4 and 5
EVENING, MORNING = 2, 0  # indexes into DAY_PARTS


# ------------------------------------------------------------------ the parts of the score
def job_facts(**kwargs) -> JobFacts:
    values = {"category": "tutoring", "city": "上海市", "district": "徐汇区", "is_remote": False,
              "shift_slots": ((4, EVENING), (5, MORNING))}
    return JobFacts(**{**values, **kwargs})


def part(candidate: CandidateFacts, job: JobFacts, name: str) -> int:
    return next(p.points for p in score(candidate, job).parts if p.name == name)


def test_e3_1_the_score_has_five_parts_that_add_up_to_at_most_100():
    # given: the best possible candidate
    best = CandidateFacts(student_id=1, availability=ALL_AVAILABLE, districts=("徐汇区",), cities=("上海市",),
                          experience_in_category=9, verification_level=2, credit_tier=4)
    # when
    result = score(best, job_facts())
    # then
    assert [p.name for p in result.parts] == ["availability", "experience", "distance", "verification", "credit"]
    assert [p.maximum for p in result.parts] == [AVAILABILITY_POINTS, EXPERIENCE_POINTS, DISTANCE_POINTS,
                                                 VERIFICATION_POINTS, CREDIT_POINTS]
    assert result.total == 100 == sum(p.maximum for p in result.parts)
    assert all(p.explanation for p in result.parts)


def test_e3_1_availability_part_is_the_share_of_shift_times_the_student_is_free():
    # given: shifts on Friday evening and Saturday morning
    job = job_facts()
    friday_evening = availability_bit(4, EVENING)
    # when / then
    assert part(CandidateFacts(1, availability=ALL_AVAILABLE), job, "availability") == 35
    assert part(CandidateFacts(1, availability=friday_evening), job, "availability") == round(35 * 0.5)
    assert part(CandidateFacts(1, availability=availability_bit(4, MORNING)), job, "availability") == 0
    assert part(CandidateFacts(1, availability=0), job_facts(shift_slots=()), "availability") == 35


def test_e3_1_availability_uses_the_part_of_the_day_a_shift_starts_in():
    # then: mornings 06–12, afternoons 12–18, evenings 18–22, nights 22–06
    assert [day_part_of(dt.time(h, m)) for h, m in [(6, 0), (11, 59), (12, 0), (18, 0), (21, 59), (22, 0),
                                                    (0, 0), (5, 59)]] == [0, 0, 1, 2, 2, 3, 3, 3]


@pytest.mark.parametrize("completed, points", [(0, 0), (1, 7), (2, 13), (3, 20), (8, 20)])
def test_e3_1_experience_part_grows_with_completed_jobs_in_the_category(completed, points):
    assert part(CandidateFacts(1, experience_in_category=completed), job_facts(), "experience") == points


def test_e3_1_distance_part_prefers_the_district_then_the_city():
    # given
    district = CandidateFacts(1, cities=("上海市",), districts=("徐汇区",))
    city = CandidateFacts(1, cities=("上海市",), districts=("浦东新区",))
    elsewhere = CandidateFacts(1, cities=("北京市",), districts=("海淀区",))
    # then
    assert [part(c, job_facts(), "distance") for c in (district, city, elsewhere)] == [20, 12, 0]


def test_e3_1_a_district_of_the_same_name_in_another_city_does_not_count():
    # given: the student wants 鼓楼区 of Nanjing; the job is in 鼓楼区 of Fuzhou
    nanjing = CandidateFacts(1, cities=("南京市",), districts=("鼓楼区",))
    fuzhou = job_facts(city="福州市", district="鼓楼区")
    # then
    assert part(nanjing, fuzhou, "distance") == 0
    assert part(nanjing, job_facts(city="南京市", district="鼓楼区"), "distance") == DISTANCE_POINTS


def test_e3_1_distance_part_of_remote_work_follows_the_students_wish():
    # given
    remote = job_facts(is_remote=True, city="", district="")
    # then
    assert part(CandidateFacts(1, accepts_remote=True), remote, "distance") == DISTANCE_POINTS
    assert part(CandidateFacts(1, accepts_remote=False), remote, "distance") == DISTANCE_POINTS // 2


@pytest.mark.parametrize("level, points", [(0, 0), (1, 8), (2, 15)])
def test_e3_1_verification_part_follows_the_verification_level(level, points):
    assert part(CandidateFacts(1, verification_level=level), job_facts(), "verification") == points


@pytest.mark.parametrize("tier, points", [(0, 0), (1, 2), (2, 5), (3, 8), (4, 10), (9, 10)])
def test_e3_1_credit_part_follows_the_credit_tier(tier, points):
    assert part(CandidateFacts(1, credit_tier=tier), job_facts(), "credit") == points


def test_e3_1_ties_are_broken_by_student_id_so_the_order_is_stable():
    # given: three identical candidates, listed in another order
    candidates = [CandidateFacts(7), CandidateFacts(3), CandidateFacts(5)]
    # when
    ranked = rank(candidates, job_facts())
    # then
    assert [c.student_id for c, _s in ranked] == [3, 5, 7]


def test_g4_the_score_can_know_nothing_about_who_the_student_is():
    # then: the closed list of facts the score may use
    assert {f.name for f in dataclasses.fields(CandidateFacts)} == {
        "student_id", "availability", "cities", "districts", "accepts_remote", "experience_in_category",
        "verification_level", "credit_tier"}


# ------------------------------------------------------------------ fairness over real rankings
PERSONAL_FIELDS = {"gender", "date_of_birth", "real_name", "school", "major", "enrolment_year", "mobile",
                   "contact_note", "id_number", "id_number_hash"}
# Fields that are not about who the student is: the record itself, its review,
# what the platform verified or scored, the sanctions in force, and the legal minor-worker limit.
NOT_PERSONAL_FIELDS = {"id", "user", "created_at", "updated_at", "vetting_status", "submitted_at", "vetted_at",
                       "vetted_by", "vetting_reason", "verification_level", "credit_tier", "is_minor_worker",
                       "applying_restricted_until", "suspended_until", "terminated_at"}

AVAILABILITIES = [
    ALL_AVAILABLE,
    availability_bit(4, EVENING),
    availability_bit(5, MORNING),
    availability_bit(4, EVENING) | availability_bit(5, MORNING),
    0,
]
PLACES = [(["上海市"], ["徐汇区"]), (["上海市"], ["浦东新区"]), (["北京市"], ["海淀区"]), ([], [])]


@pytest.fixture
def world(db):
    """A tutoring job in 徐汇区 with 20 varied applicants, and a dozen other open jobs."""
    with time_machine.travel(NOW, tick=False):
        job = JobFactory(published=True, headcount=5, shifts=[(FRIDAY, "18:00", "21:00"),
                                                              (SATURDAY, "09:00", "12:00")])
        students = []
        for i in range(20):
            student = approved_student(
                gender=[StudentProfile.Gender.FEMALE, StudentProfile.Gender.MALE,
                        StudentProfile.Gender.UNDISCLOSED][i % 3],
                date_of_birth=dt.date(1998 + i % 8, 1 + i % 12, 1 + i % 28),
                verification_level=i % 3, credit_tier=(i * 3) % 5)
            cities, districts = PLACES[i % len(PLACES)]
            StudentIntentionFactory(student=student, availability=AVAILABILITIES[i % len(AVAILABILITIES)],
                                    cities=cities, districts=districts, accepts_remote=i % 2 == 0,
                                    categories=["tutoring", "catering"] if i % 2 else ["tutoring"],
                                    expected_hourly_fen=2000 + 300 * (i % 7))
            ApplicationFactory(job=job, student=student)
            students.append(student)
        # Experience: completed tutoring engagements for some students.
        for student, completed in [(students[1], 1), (students[4], 3), (students[9], 2), (students[13], 1)]:
            for _n in range(completed):
                engagement = EngagementFactory(application__student=student,
                                               application__job=JobFactory(published=True))
                Engagement.objects.filter(pk=engagement.pk).update(status=EngagementStatus.COMPLETED)
        # Other open jobs a student may be recommended.
        others = []
        for i in range(12):
            others.append(JobFactory(
                published=True, category=[JobCategory.TUTORING, JobCategory.CATERING][i % 2],
                city="上海市" if i % 4 else "北京市", district=["徐汇区", "浦东新区", "静安区"][i % 3],
                is_remote=i == 7, base_rate_fen=2500 + 250 * i,
                shifts=[(FRIDAY + dt.timedelta(days=7 + i % 3), ["09:00", "13:00", "18:00"][i % 3],
                         ["12:00", "17:00", "21:00"][i % 3])]))
    return job, students, others


def orders(job, students, other_job):
    """The employer's ranking (with scores), every student's recommendations, and the
    students the employer of another job may invite."""
    with time_machine.travel(NOW, tick=False):
        ranked = [(r.application.pk, r.score.total, [p.points for p in r.score.parts])
                  for r in applicants_ranked(job=job)]
        recommended = {s.pk: [(r.job.pk, r.score.total) for r in recommendations_for(student=s)]
                       for s in students}
        invited = [(u.pk, s.total) for u, s in invite_candidates(job=other_job)]
    return ranked, recommended, invited


def test_g4_the_personal_fields_list_covers_the_whole_profile():
    # then: a new field on StudentProfile must be classed as personal or not before it can be used
    names = {f.name for f in StudentProfile._meta.concrete_fields}
    assert names == PERSONAL_FIELDS | NOT_PERSONAL_FIELDS


def test_g4_changing_only_personal_attributes_changes_no_rank(world):
    # given: the rankings as they are
    job, students, others = world
    tutoring_in_shanghai = others[2]
    before = orders(job, students, tutoring_in_shanghai)
    assert len(before[0]) == 20 and len({total for _pk, total, _parts in before[0]}) > 5  # a real spread
    assert max(len(recommended) for recommended in before[1].values()) >= 3
    assert len(before[2]) >= 5
    # when: every student's gender, date of birth (still adult) and other personal data change
    for i, profile in enumerate(StudentProfile.objects.filter(user__in=students).order_by("pk")):
        profile.gender = {StudentProfile.Gender.FEMALE: StudentProfile.Gender.MALE}.get(
            profile.gender, StudentProfile.Gender.FEMALE)
        profile.date_of_birth = dt.date(1985 + (i * 7) % 20, 12 - i % 12, 28 - i % 27)
        profile.real_name = f"改名{i}"
        profile.school = "西藏大学" if i % 2 else "新疆大学"
        profile.major = "宗教学"
        profile.enrolment_year = 2015 + i % 5
        profile.mobile = f"+86139{i:08d}"
        profile.contact_note = "已婚"
        profile.id_number = f"54010219850101{i:03d}X"  # another household registration region
        profile.id_number_hash = f"hash-{i}"
        profile.save()
        assert profile.age(NOW.date()) >= 18
    after = orders(job, students, tutoring_in_shanghai)
    # then: the same applicants in the same order with the same scores; the same recommendations
    assert after[0] == before[0]
    assert after[1] == before[1]
    assert after[2] == before[2]
