"""Staff back office for applications and engagements (S3, E4): the queues of
cases staff decide and read-only views of everything else.

- Reports of unlawful demands (S3.3): oldest deadline first with the SLA flag;
  confirm or dismiss with a reason (FSM transitions run the services).
- Loss claims (S3.2): contested claims first; uphold (up to the amount
  claimed) or dismiss, with a reason.
- Attendance: contested no-shows and disputed hours; decide the contest or
  settle the hours, with a reason.
- Applications and engagements: read-only, with their history.

Staff never edit these records: every change calls one service in
`applications.services`, which checks `applications.decide_case`, locks,
writes history and tells the people concerned. Evidence files are private:
they open only through a view that asks for a reason and logs the access
(J3.2). Tickets kept by the `support` app are linked by URL name only: this
lower app does not import it."""

from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.http import urlencode
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from accounts.forms import RevealForm
from accounts.models import PersonalDataAccess
from accounts.services import personal_data_access_record
from core.admin_mixins import (
    DecideViewMixin,
    DefaultStatusFilter,
    ReadOnlyAdmin,
    ServiceFSMAdminMixin,
    history_table,
)
from core.admin_views import reason_gate
from core.money import format_fen
from core.uploads import serve_private_file

from .agreement import agreement_download_name
from .forms import HoursResolutionForm, LossClaimDecisionForm, NoShowContestDecisionForm
from .models import (
    Agreement,
    Application,
    Attendance,
    ContestStatus,
    DemandReport,
    Engagement,
    HoursStatus,
    LossClaim,
)
from .services.attendance import hours_dispute_resolve, no_show_contest_decide
from .services.cases import demand_report_accept, demand_report_dismiss, loss_claim_decide

DECIDE_PERMISSION = "applications.decide_case"
# Staff who handle an engagement's cases read its service agreement (issue 19); roles in ApplicationsConfig.
AGREEMENT_PERMISSION = "applications.view_agreement"
# Opening a case's evidence is a personal-data access: the same permission and log as documents (J3.2).
EVIDENCE_PERMISSION = "accounts.reveal_personal_data"
# PersonalDataAccess has no item for case evidence yet; the raw value reads well in the log.
EVIDENCE_ITEM = PersonalDataAccess.Item.CASE_EVIDENCE


# ------------------------------------------------------------------ rendering helpers
def _when(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else "—"


def _link(name: str, pk, label) -> str:
    return format_html('<a href="{}">{}</a>', reverse(name, args=[pk]), label)


def _admin_url(name: str, *, args=None, query: dict | None = None) -> str | None:
    try:
        url = reverse(name, args=args)
    except NoReverseMatch:  # the support app is not installed
        return None
    return f"{url}?{urlencode(query)}" if query else url


def _tickets_link(obj) -> str:
    url = _admin_url("admin:support_ticket_changelist", query={
        "status": "all", "content_type__id__exact": ContentType.objects.get_for_model(obj).pk, "object_id": obj.pk})
    return format_html('<a href="{}">{}</a>', url, _("Customer-service tickets about this")) if url else "—"


def _overdue_html(due_at, *, waiting: bool):
    text = _when(due_at)
    if waiting and due_at and due_at < timezone.now():
        return format_html('<strong style="color:#ba2121">{} · {}</strong>', text, _("overdue"))
    return text


def agreements_html(engagement_id: int) -> str:
    """Links to every version of an engagement's service agreement in the admin (issue 19): on the
    engagement, its demand reports and loss claims, and (settlements) payment disputes."""
    rows = list(Agreement.objects.filter(engagement_id=engagement_id).order_by("-version")
                .values_list("pk", "version", "sha256"))
    if not rows:
        return _("No service agreement was issued for this engagement.")
    return format_html_join(mark_safe("<br>"), '<a href="{}">{}</a> <code>{}</code>', (
        (reverse("admin:applications_agreement_change", args=[pk]),
         _("Service agreement, version %(v)s") % {"v": version}, sha[:16] + "…") for pk, version, sha in rows))


class CaseDecisionMixin(DecideViewMixin):
    """Custom object views where staff decide a case with a form, through one service
    (`decide_view_for`), and open its evidence."""

    decide_requires_view_permission = True

    def _evidence(self, request, pk: int, *, student_of):
        """Ask for a reason, log the access (J3.2), then stream the evidence."""
        obj = self.get_object(request, str(pk))
        if obj is None or not obj.evidence:
            raise Http404
        if not (self.has_view_permission(request, obj) and request.user.has_perm(EVIDENCE_PERMISSION)):
            raise PermissionDenied

        def show(reason):
            student = student_of(obj)
            personal_data_access_record(staff=request.user, subject=student, subject_label=str(obj),
                                        item=EVIDENCE_ITEM, reason=reason)
            return serve_private_file(obj.evidence, download_name=f"{self.opts.model_name}-{obj.pk}-evidence")

        return reason_gate(request, admin_site=self.admin_site, title=_("Open the evidence"),
                           subject_label=str(obj), on_reason=show, form_class=RevealForm, opts=self.opts)

    def _evidence_html(self, obj, route: str):
        if not obj.evidence:
            return _("No evidence attached.")
        return format_html('<a href="{}">{}</a>', reverse(f"admin:{route}", args=[obj.pk]),
                           _("Open (reason required, access is logged)"))


# ------------------------------------------------------------------ applications and engagements (read-only)
@admin.register(Application)
class ApplicationAdmin(ReadOnlyAdmin):
    list_display = ["id", "job", "student", "status", "applied_at", "response_due_at", "decided_at"]
    list_filter = ["status", "invited"]
    list_select_related = ["job", "student"]
    search_fields = ["job__title", "student__email"]
    ordering = ["-applied_at", "-id"]
    show_full_result_count = False
    fields = ["job_link", "student", "status", "invited", "confirms_requirements", "commits_to_work", "message",
              "applied_at", "response_due_at", "reminded_at", "decided_at", "decided_by", "rejection_reason",
              "offer_expires_at", "closed_at", "engagement_link", "history"]
    readonly_fields = fields

    @admin.display(description=_("job"))
    def job_link(self, obj):
        return _link("admin:jobs_job_change", obj.job_id, obj.job.title)

    @admin.display(description=_("engagement"))
    def engagement_link(self, obj):
        engagement = Engagement.objects.filter(application=obj).only("pk", "status").first()
        if engagement is None:
            return "—"
        return _link("admin:applications_engagement_change", engagement.pk, engagement.get_status_display())

    @admin.display(description=_("history"))
    def history(self, obj):
        return history_table(obj)


@admin.register(Engagement)
class EngagementAdmin(ReadOnlyAdmin):
    list_display = ["id", "job", "employer", "student", "status", "started_at", "ended_at", "late_cancellation"]
    list_filter = ["status", "late_cancellation"]
    list_select_related = ["job", "employer", "student"]
    search_fields = ["job__title", "student__email", "employer__name"]
    ordering = ["-started_at", "-id"]
    show_full_result_count = False
    fields = ["job_link", "employer", "student", "application_link", "status", "started_at", "ended_at",
              "end_reason", "late_cancellation", "completed_at", "attendance_table", "items", "cases", "agreements",
              "history"]
    readonly_fields = fields

    @admin.display(description=_("service agreement"))
    def agreements(self, obj):
        return agreements_html(obj.pk)

    @admin.display(description=_("job"))
    def job_link(self, obj):
        return _link("admin:jobs_job_change", obj.job_id, obj.job.title)

    @admin.display(description=_("application"))
    def application_link(self, obj):
        return _link("admin:applications_application_change", obj.application_id, f"#{obj.application_id}")

    @admin.display(description=_("attendance"))
    def attendance_table(self, obj):
        rows = obj.attendances.select_related("shift")
        if not rows:
            return "—"
        return format_html("<table>{}</table>", format_html_join(
            "", '<tr><td><a href="{}">{} {}–{}</a></td><td>{}</td><td>{}</td><td>{}</td></tr>',
            ((reverse("admin:applications_attendance_change", args=[a.pk]), a.shift.date,
              a.shift.start_time.strftime("%H:%M"), a.shift.end_time.strftime("%H:%M"), a.get_status_display(),
              a.get_hours_status_display(), a.get_contest_status_display() if a.contest_status else "")
             for a in rows)))

    @admin.display(description=_("money items"))
    def items(self, obj):
        rows = obj.items.all()
        if not rows:
            return "—"
        return format_html("<table>{}</table>", format_html_join(
            "", "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
            ((i.get_kind_display(), format_fen(i.amount_fen), i.description) for i in rows)))

    @admin.display(description=_("cases"))
    def cases(self, obj):
        links = [(reverse("admin:applications_demandreport_change", args=[r.pk]), r, r.get_status_display())
                 for r in obj.demand_reports.all()]
        links += [(reverse("admin:applications_lossclaim_change", args=[c.pk]),
                   _("Loss claim of %(amount)s") % {"amount": format_fen(c.amount_fen)}, c.get_status_display())
                  for c in obj.loss_claims.all()]
        if not links:
            return "—"
        return format_html_join(format_html("<br>"), '<a href="{}">{}</a> ({})', links)

    @admin.display(description=_("history"))
    def history(self, obj):
        return history_table(obj)


# ------------------------------------------------------------------ attendance: contests and disputes (E4)
class AttendanceCaseFilter(admin.SimpleListFilter):
    """What waits for staff by default: contested no-shows and disputed hours."""

    title = _("case")
    parameter_name = "case"
    WAITING, CONTESTS, DISPUTES = "waiting", "contest", "dispute"

    def lookups(self, request, model_admin):
        return [(self.WAITING, _("Waiting for staff")), (self.CONTESTS, _("Contested no-shows")),
                (self.DISPUTES, _("Disputed hours")), ("all", _("All"))]

    def choices(self, changelist):
        current = self.value() or self.WAITING
        for lookup, title in self.lookup_choices:
            yield {"selected": current == lookup, "display": title,
                   "query_string": changelist.get_query_string({self.parameter_name: lookup})}

    def queryset(self, request, queryset):
        value = self.value() or self.WAITING
        contest, dispute = Q(contest_status=ContestStatus.OPEN), Q(hours_status=HoursStatus.DISPUTED)
        return {self.WAITING: queryset.filter(contest | dispute), self.CONTESTS: queryset.filter(contest),
                self.DISPUTES: queryset.filter(dispute)}.get(value, queryset)


@admin.register(Attendance)
class AttendanceAdmin(CaseDecisionMixin, ReadOnlyAdmin):
    list_display = ["id", "student", "job", "shift_time", "status", "contest_status", "hours_status", "minutes",
                    "updated_at"]
    list_filter = [AttendanceCaseFilter, "status", "hours_status", "contest_status"]
    list_select_related = ["engagement__job", "engagement__student", "shift"]
    search_fields = ["engagement__job__title", "engagement__student__email"]
    # The case waiting longest first: contesting or disputing is the row's last change.
    ordering = ["updated_at", "id"]
    show_full_result_count = False
    fields = ["engagement_link", "student", "job", "shift_time", "status", "checked_in_at", "checked_out_at",
              "marked_by", "no_show_at", "contest_due_at", "contest_status", "contest_text", "scheduled_minutes",
              "hours_status", "hours_due_at", "confirmed_minutes", "overtime_minutes", "hours_confirmed_at",
              "hours_confirmed_by", "hours_note", "dispute_due_at", "dispute_text", "tickets", "agreements", "history"]

    def get_fields(self, request, obj=None):
        if request.user.has_perm(DECIDE_PERMISSION):
            return ["decisions", *self.fields]
        return list(self.fields)

    @admin.display(description=_("service agreement"))
    def agreements(self, obj):
        """The agreed shifts and pay, beside a contested no-show or disputed hours (issue 19)."""
        return agreements_html(obj.engagement_id)

    def get_readonly_fields(self, request, obj=None):
        return self.get_fields(request, obj)

    @admin.display(description=_("student"), ordering="engagement__student__email")
    def student(self, obj):
        return obj.engagement.student

    @admin.display(description=_("job"))
    def job(self, obj):
        return obj.engagement.job.title

    @admin.display(description=_("shift"), ordering="shift__date")
    def shift_time(self, obj):
        shift = obj.shift
        return f"{shift.date} {shift.start_time:%H:%M}–{shift.end_time:%H:%M}"

    @admin.display(description=_("minutes (confirmed / scheduled)"))
    def minutes(self, obj):
        confirmed = "—" if obj.confirmed_minutes is None else obj.confirmed_minutes
        overtime = f" + {obj.overtime_minutes}" if obj.overtime_minutes else ""
        return f"{confirmed}{overtime} / {obj.scheduled_minutes}"

    @admin.display(description=_("engagement"))
    def engagement_link(self, obj):
        return _link("admin:applications_engagement_change", obj.engagement_id, obj.engagement)

    @admin.display(description=_("tickets"))
    def tickets(self, obj):
        return _tickets_link(obj)

    @admin.display(description=_("decide"))
    def decisions(self, obj):
        links = []
        if obj.contest_status == ContestStatus.OPEN:
            links.append((reverse("admin:applications_attendance_decide_contest", args=[obj.pk]),
                          _("Decide the contested no-show")))
        if obj.hours_status == HoursStatus.DISPUTED:
            links.append((reverse("admin:applications_attendance_resolve_hours", args=[obj.pk]),
                          _("Settle the disputed hours")))
        if not links:
            return _("Nothing to decide.")
        return format_html_join(" ", '<a class="button" href="{}">{}</a>', links)

    @admin.display(description=_("history"))
    def history(self, obj):
        return history_table(obj)

    # ---------------------------------------------------------- decisions
    def get_urls(self):
        return [
            path("<int:pk>/decide-contest/", self.admin_site.admin_view(self.decide_contest_view),
                 name="applications_attendance_decide_contest"),
            path("<int:pk>/resolve-hours/", self.admin_site.admin_view(self.resolve_hours_view),
                 name="applications_attendance_resolve_hours"),
            *super().get_urls(),
        ]

    # Declares what the custom object routes need, for the access matrix and readers.
    object_route_permissions = {"applications_attendance_decide_contest": DECIDE_PERMISSION,
                                "applications_attendance_resolve_hours": DECIDE_PERMISSION}

    @staticmethod
    def _summary(attendance) -> str:
        return f"{attendance.engagement.student} · {attendance.engagement.job.title} · {attendance.shift.date}"

    def decide_contest_view(self, request, pk: int):
        return self.decide_view_for(
            request, pk, permission=DECIDE_PERMISSION, form_class=NoShowContestDecisionForm, title=_("Decide the contested no-show"),
            applicable=lambda a: a.contest_status == ContestStatus.OPEN,
            describe=lambda a: (self._summary(a), _("The student says: %(text)s") % {"text": a.contest_text}),
            run=lambda a, data: no_show_contest_decide(attendance_id=a.pk, actor=request.user, **data))

    def resolve_hours_view(self, request, pk: int):
        return self.decide_view_for(
            request, pk, permission=DECIDE_PERMISSION, form_class=HoursResolutionForm, title=_("Settle the disputed hours"),
            applicable=lambda a: a.hours_status == HoursStatus.DISPUTED,
            initial=lambda a: {"minutes": a.confirmed_minutes, "overtime_minutes": a.overtime_minutes},
            describe=lambda a: (self._summary(a), _(
                "Scheduled %(scheduled)s min; the employer confirmed %(minutes)s + %(overtime)s min overtime. "
                "The student says: %(text)s") % {"scheduled": a.scheduled_minutes, "minutes": a.confirmed_minutes,
                                                 "overtime": a.overtime_minutes, "text": a.dispute_text}),
            run=lambda a, data: hours_dispute_resolve(attendance_id=a.pk, actor=request.user, **data))


# ------------------------------------------------------------------ unlawful demands (S3.3)
class DemandStatusFilter(DefaultStatusFilter):
    default = DemandReport.Status.OPEN
    statuses = DemandReport.Status.choices


@admin.register(DemandReport)
class DemandReportAdmin(CaseDecisionMixin, ServiceFSMAdminMixin, ReadOnlyAdmin):
    """The moderation queue of reported demands, oldest deadline first (S3.3)."""

    fsm_fields = ["status"]
    transition_services = {"accept": demand_report_accept, "dismiss": demand_report_dismiss}
    list_display = ["id", "kind", "job", "employer", "student", "refuses_and_leaves", "status", "due"]
    list_filter = [DemandStatusFilter, "kind", "refuses_and_leaves"]
    list_select_related = ["engagement__job", "engagement__employer", "engagement__student"]
    search_fields = ["engagement__job__title", "engagement__employer__name", "engagement__student__email"]
    ordering = ["due_at", "id"]
    show_full_result_count = False
    fields = ["engagement_link", "job", "employer", "student", "kind", "description", "evidence_link",
              "refuses_and_leaves", "status", "due", "created_at", "decided_at", "decided_by", "outcome", "agreements",
              "history"]
    readonly_fields = fields

    @admin.display(description=_("service agreement"))
    def agreements(self, obj):
        return agreements_html(obj.engagement_id)

    @admin.display(description=_("job"))
    def job(self, obj):
        return obj.engagement.job.title

    @admin.display(description=_("employer"))
    def employer(self, obj):
        return obj.engagement.employer

    @admin.display(description=_("student"))
    def student(self, obj):
        return obj.engagement.student

    @admin.display(description=_("verify by"), ordering="due_at")
    def due(self, obj):
        return _overdue_html(obj.due_at, waiting=obj.status == DemandReport.Status.OPEN)

    @admin.display(description=_("engagement"))
    def engagement_link(self, obj):
        return _link("admin:applications_engagement_change", obj.engagement_id, obj.engagement)

    @admin.display(description=_("evidence"))
    def evidence_link(self, obj):
        return self._evidence_html(obj, "applications_demandreport_evidence")

    @admin.display(description=_("history"))
    def history(self, obj):
        return history_table(obj)

    def get_urls(self):
        return [
            path("<int:pk>/evidence/", self.admin_site.admin_view(self.evidence_view),
                 name="applications_demandreport_evidence"),
            *super().get_urls(),
        ]

    object_route_permissions = {"applications_demandreport_evidence": EVIDENCE_PERMISSION}

    def evidence_view(self, request, pk: int):
        return self._evidence(request, pk, student_of=lambda report: report.engagement.student)


# ------------------------------------------------------------------ losses (S3.2)
class LossClaimStatusFilter(DefaultStatusFilter):
    default = LossClaim.Status.CONTESTED
    statuses = LossClaim.Status.choices


@admin.register(LossClaim)
class LossClaimAdmin(CaseDecisionMixin, ReadOnlyAdmin):
    """Loss claims; the contested ones wait for a staff decision (S3.2)."""

    list_display = ["id", "job", "employer", "student", "claimed", "decided", "offset", "outstanding", "status",
                    "created_at"]
    list_filter = [LossClaimStatusFilter]
    list_select_related = ["engagement__job", "engagement__employer", "engagement__student"]
    search_fields = ["engagement__job__title", "engagement__employer__name", "engagement__student__email"]
    ordering = ["created_at", "id"]
    show_full_result_count = False
    fields = ["engagement_link", "job", "employer", "student", "claimed", "description", "evidence_link",
              "filed_by", "created_at", "student_answer", "status", "decided", "decided_at", "decided_by", "outcome",
              "offset", "outstanding", "agreements", "history"]

    @admin.display(description=_("service agreement"))
    def agreements(self, obj):
        return agreements_html(obj.engagement_id)

    def get_fields(self, request, obj=None):
        if request.user.has_perm(DECIDE_PERMISSION):
            return ["decision", *self.fields]
        return list(self.fields)

    def get_readonly_fields(self, request, obj=None):
        return self.get_fields(request, obj)

    @admin.display(description=_("job"))
    def job(self, obj):
        return obj.engagement.job.title

    @admin.display(description=_("employer"))
    def employer(self, obj):
        return obj.engagement.employer

    @admin.display(description=_("student"))
    def student(self, obj):
        return obj.engagement.student

    @admin.display(description=_("amount claimed"), ordering="amount_fen")
    def claimed(self, obj):
        return format_fen(obj.amount_fen)

    @admin.display(description=_("amount agreed or decided"))
    def decided(self, obj):
        return format_fen(obj.decided_amount_fen) or "—"

    @admin.display(description=_("set off against pay"), ordering="offset_fen")
    def offset(self, obj):
        return format_fen(obj.offset_fen)

    @admin.display(description=_("still owed by the student"))
    def outstanding(self, obj):
        """Art. 16 of the wage payment rules caps each month's set-off; the rest stays owed, never over-deducted."""
        return format_fen(obj.outstanding_fen)

    @admin.display(description=_("engagement"))
    def engagement_link(self, obj):
        return _link("admin:applications_engagement_change", obj.engagement_id, obj.engagement)

    @admin.display(description=_("evidence"))
    def evidence_link(self, obj):
        return self._evidence_html(obj, "applications_lossclaim_evidence")

    @admin.display(description=_("decide"))
    def decision(self, obj):
        if obj.status != LossClaim.Status.CONTESTED:
            return _("Nothing to decide.")
        return format_html('<a class="button" href="{}">{}</a>',
                           reverse("admin:applications_lossclaim_decide", args=[obj.pk]),
                           _("Decide the contested claim"))

    @admin.display(description=_("history"))
    def history(self, obj):
        return history_table(obj)

    def get_urls(self):
        return [
            path("<int:pk>/decide/", self.admin_site.admin_view(self.decide_view),
                 name="applications_lossclaim_decide"),
            path("<int:pk>/evidence/", self.admin_site.admin_view(self.evidence_view),
                 name="applications_lossclaim_evidence"),
            *super().get_urls(),
        ]

    object_route_permissions = {"applications_lossclaim_decide": DECIDE_PERMISSION,
                                "applications_lossclaim_evidence": EVIDENCE_PERMISSION}

    def decide_view(self, request, pk: int):
        return self.decide_view_for(
            request, pk, permission=DECIDE_PERMISSION, form_class=LossClaimDecisionForm, title=_("Decide the contested loss claim"),
            applicable=lambda c: c.status == LossClaim.Status.CONTESTED, field_aliases={"amount_fen": "amount"},
            describe=lambda c: (
                f"{c.engagement.student} · {c.engagement.job.title} · {format_fen(c.amount_fen)}",
                _("The employer claims %(amount)s: %(description)s — the student answers: %(answer)s")
                % {"amount": format_fen(c.amount_fen), "description": c.description, "answer": c.student_answer}),
            run=lambda c, data: loss_claim_decide(pk=c.pk, actor=request.user, **data))

    def evidence_view(self, request, pk: int):
        return self._evidence(request, pk, student_of=lambda claim: claim.engagement.student)


# ------------------------------------------------------------------ the service agreement (issue 19)
@admin.register(Agreement)
class AgreementAdmin(ReadOnlyAdmin):
    """Every version of every engagement's service agreement, with each side's acceptance; the
    document opens for staff who may read agreements (the roles that handle cases)."""

    list_display = ["id", "engagement", "version", "reason", "created_at", "short_hash"]
    list_filter = ["reason"]
    list_select_related = ["engagement"]
    search_fields = ["engagement__job__title", "engagement__employer__name", "engagement__student__email", "sha256"]
    ordering = ["-created_at", "-id"]
    show_full_result_count = False
    fields = ["engagement_link", "version", "reason", "schedule_change", "created_at", "sha256", "document",
              "acceptances_table"]
    readonly_fields = fields

    @admin.display(description=_("SHA-256"))
    def short_hash(self, obj):
        return obj.sha256[:16] + "…"

    @admin.display(description=_("engagement"))
    def engagement_link(self, obj):
        return _link("admin:applications_engagement_change", obj.engagement_id, obj.engagement)

    @admin.display(description=_("document"))
    def document(self, obj):
        return format_html('<a href="{}">{}</a>', reverse("admin:applications_agreement_download", args=[obj.pk]),
                           _("Download the PDF"))

    @admin.display(description=_("acceptances"))
    def acceptances_table(self, obj):
        rows = obj.acceptances.select_related("user")
        if not rows:
            return _("Not accepted by either side yet.")
        return format_html("<table>{}</table>", format_html_join(
            "", "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td><code>{}</code></td></tr>",
            ((a.get_party_display(), a.user, _when(a.accepted_at), a.ip or "—", a.sha256) for a in rows)))

    def get_urls(self):
        return [
            path("<int:pk>/download/", self.admin_site.admin_view(self.download_view),
                 name="applications_agreement_download"),
            *super().get_urls(),
        ]

    object_route_permissions = {"applications_agreement_download": AGREEMENT_PERMISSION}

    def download_view(self, request, pk: int):
        if not request.user.has_perm(AGREEMENT_PERMISSION):
            raise PermissionDenied
        agreement = Agreement.objects.filter(pk=pk).first()
        if agreement is None:
            raise Http404
        return serve_private_file(agreement.file, download_name=agreement_download_name(agreement))
