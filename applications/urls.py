"""Applications and engagements under /work/: the student's side (apply, offers,
engagements, check-in, intentions, recommendations) and the employer's side
(applicants, decisions, invitations, shifts with their QR code, hours, changes)."""

from django.urls import path

from .views import employer, student

app_name = "applications"

urlpatterns = [
    # ---- students (S2.2, S3)
    path("apply/<int:job_id>/", student.apply, name="apply"),
    path("mine/", student.home, name="student_home"),
    path("mine/applications/<int:pk>/", student.application_detail, name="student_application"),
    path("mine/applications/<int:pk>/withdraw/", student.application_withdraw, name="application_withdraw"),
    path("mine/applications/<int:pk>/accept/", student.offer_accept, name="offer_accept"),
    path("mine/applications/<int:pk>/decline/", student.offer_decline, name="offer_decline"),
    path("mine/engagements/<int:pk>/", student.engagement_detail, name="student_engagement"),
    path("mine/calendar/", student.calendar_settings, name="calendar_settings"),
    path("calendar/<str:token>.ics", student.calendar_feed, name="calendar_feed"),
    path("mine/attendance/<int:pk>/calendar.ics", student.shift_ics, name="shift_ics"),
    path("mine/engagements/<int:pk>/cancel/", student.engagement_cancel, name="student_cancel"),
    path("mine/engagements/<int:pk>/report/", student.demand_report, name="demand_report"),
    path("mine/agreements/<int:pk>/", student.agreement_download, name="student_agreement"),
    path("mine/agreements/<int:pk>/accept/", student.agreement_accept, name="student_agreement_accept"),
    path("mine/attendance/<int:pk>/contest/", student.no_show_contest, name="no_show_contest"),
    path("mine/attendance/<int:pk>/dispute/", student.hours_dispute, name="hours_dispute"),
    path("mine/changes/<int:pk>/answer/", student.change_answer, name="change_answer"),
    path("mine/claims/<int:pk>/answer/", student.loss_claim_answer, name="loss_claim_answer"),
    path("intentions/", student.intentions, name="intentions"),
    path("recommended/", student.recommended, name="recommended"),
    path("checkin/<str:token>/", student.checkin, name="checkin"),
    # ---- employers (E3, E4, J1.3)
    path("employer/jobs/<int:job_id>/applicants/", employer.applicants, name="employer_applicants"),
    path("employer/jobs/<int:job_id>/candidates/", employer.candidates, name="employer_candidates"),
    path("employer/jobs/<int:job_id>/invite/<int:student_id>/", employer.invite, name="invite"),
    path("employer/applications/<int:pk>/", employer.application_detail, name="employer_application"),
    path("employer/applications/<int:pk>/hire/", employer.application_hire, name="application_hire"),
    path("employer/applications/<int:pk>/reject/", employer.application_reject, name="application_reject"),
    path("employer/jobs/<int:job_id>/engagements/", employer.engagements, name="employer_engagements"),
    path("employer/jobs/<int:job_id>/shifts/<int:shift_id>/", employer.shift_detail, name="employer_shift"),
    path("employer/jobs/<int:job_id>/shifts/<int:shift_id>/qr.svg", employer.shift_qr, name="shift_qr"),
    path("employer/attendance/<int:pk>/mark/", employer.attendance_mark, name="attendance_mark"),
    path("employer/attendance/<int:pk>/hours/", employer.hours_confirm, name="hours_confirm"),
    path("employer/engagements/<int:pk>/", employer.engagement_detail, name="employer_engagement"),
    path("employer/engagements/<int:pk>/cancel/", employer.engagement_cancel, name="employer_cancel"),
    path("employer/engagements/<int:pk>/claim/", employer.loss_claim_new, name="loss_claim_new"),
    path("employer/agreements/<int:pk>/", employer.agreement_download, name="employer_agreement"),
    path("employer/agreements/<int:pk>/accept/", employer.agreement_accept, name="employer_agreement_accept"),
    path("employer/engagements/<int:pk>/minor-checks/", employer.minor_checks, name="minor_checks"),
    path("employer/jobs/<int:job_id>/changes/new/", employer.change_propose, name="change_propose"),
    path("employer/changes/<int:pk>/withdraw/", employer.change_withdraw, name="change_withdraw"),
]
