"""What the job queue and the revision queue share (E2.2, J2.2, P2.3): their
filters (status, unresolved flags, time waiting against the review target) and
one base class for the two admins."""

import datetime as dt

from django.contrib import admin
from django.contrib.admin.utils import flatten_fieldsets
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Exists, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.admin_mixins import DecideViewMixin, DefaultStatusFilter
from core.policy import get_policy
from core.working_days import MAX_LOOKBACK_DAYS, WorkingCalendar, working_moment_before

from ..models import ComplianceTerm, JobFlag, JobRevision, JobStatus
from ..services.common import MODERATE_PERMISSION
from .display import FLAG_CODES, flag_counts_html, flags_table, mark_waiting, waiting_html

# ------------------------------------------------------------------ queue filters


class JobStatusFilter(DefaultStatusFilter):
    default = JobStatus.PENDING_REVIEW
    statuses = JobStatus.choices


class RevisionStatusFilter(DefaultStatusFilter):
    default = JobRevision.Status.PENDING
    statuses = JobRevision.Status.choices


def _unresolved_flags(*, revision: bool = False):
    flags = JobFlag.objects.filter(resolved_at__isnull=True)
    if revision:
        return flags.filter(revision=OuterRef("pk"))
    return flags.filter(job=OuterRef("pk"), revision__isnull=True)


class FlagCategoryFilter(admin.SimpleListFilter):
    """Jobs with an unresolved flag of one kind. EXISTS, not a join: a job with
    three such flags is still one row."""

    title = _("unresolved flag")
    parameter_name = "flag"
    for_revisions = False

    def lookups(self, request, model_admin):
        return [("any", _("Any flag")), ("none", _("No flags")), *FLAG_CODES]

    def queryset(self, request, queryset):
        value = self.value()
        if not value:
            return queryset
        flags = _unresolved_flags(revision=self.for_revisions)
        if value == "none":
            return queryset.filter(~Exists(flags))
        if value != "any":
            flags = flags.filter(code=value)
        return queryset.filter(Exists(flags))


class RevisionFlagCategoryFilter(FlagCategoryFilter):
    for_revisions = True


class WaitingFilter(admin.SimpleListFilter):
    """Time waiting for review in working hours against the policy target (E2.2)."""

    title = _("time waiting")
    parameter_name = "waiting"
    since_field = "submitted_at"
    waiting_status = JobStatus.PENDING_REVIEW

    def lookups(self, request, model_admin):
        return [("within", _("Within the review target")), ("overdue", _("Overdue")),
                ("long", _("Over three times the target"))]

    def queryset(self, request, queryset):
        value = self.value()
        if value not in ("within", "overdue", "long"):
            return queryset
        now = timezone.now()
        target = get_policy().job_review_hours * 60 * (3 if value == "long" else 1)
        calendar = WorkingCalendar(timezone.localdate(now) - dt.timedelta(days=MAX_LOOKBACK_DAYS),
                                  timezone.localdate(now))
        cutoff = working_moment_before(now, target, calendar)
        queryset = queryset.filter(status=self.waiting_status)
        if value == "within":
            return queryset.filter(**{f"{self.since_field}__gt": cutoff})
        return queryset.filter(**{f"{self.since_field}__lte": cutoff})


class RevisionWaitingFilter(WaitingFilter):
    since_field = "created_at"
    waiting_status = JobRevision.Status.PENDING


def _flag_count(severity: str, *, revision: bool = False):
    counted = (_unresolved_flags(revision=revision).filter(severity=severity).order_by()
               .values("revision" if revision else "job").annotate(n=Count("pk")).values("n"))
    return Coalesce(Subquery(counted), Value(0))


# ------------------------------------------------------------------ the base of both queues
class WaitingChangeList(ChangeList):
    """Computes each row's waiting time in working hours once per page."""

    def get_results(self, request):
        super().get_results(request)
        mark_waiting(list(self.result_list), since_attr=self.model_admin.waiting_since)


class ModerationQueueAdmin(DecideViewMixin, admin.ModelAdmin):
    """A queue of employer content waiting for a moderator's decision: a job or
    a revision of a live job.

    Staff read and decide, never edit: every field shown is read-only. The
    queue lists the oldest first with the time waiting in working hours and
    the unresolved flags counted per row; the page lists the flags with the
    flagged text marked. Decisions run a service of `jobs.services`, which
    checks `jobs.moderate_job` again, locks and writes the history."""

    waiting_since = "submitted_at"  # when the wait for a decision began
    moderation_actions: tuple[str, ...] = ()  # the bulk actions, for moderators only
    flags_of_revision = False  # whose flags: the job's own, or the revision's
    show_full_result_count = False  # no second COUNT(*) over the whole table

    # Staff never add, edit or delete an employer's posting; they decide on it.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_moderate_permission(self, request) -> bool:
        return request.user.has_perm(MODERATE_PERMISSION)

    def changelist_view(self, request, extra_context=None):
        # Anyone else posting a moderation action gets 403, not a silent no-op.
        if (request.method == "POST" and request.POST.get("action") in self.moderation_actions
                and not self.has_moderate_permission(request)):
            raise PermissionDenied
        return super().changelist_view(request, extra_context)

    def get_readonly_fields(self, request, obj=None):
        shown = flatten_fieldsets(self.fieldsets) if self.fieldsets else list(self.fields or ())
        return [*super().get_readonly_fields(request, obj), *shown]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(
            unresolved_blocks=_flag_count(ComplianceTerm.Severity.BLOCK, revision=self.flags_of_revision),
            unresolved_flags=_flag_count(ComplianceTerm.Severity.FLAG, revision=self.flags_of_revision),
        )

    def get_changelist(self, request, **kwargs):
        return WaitingChangeList

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is not None:
            mark_waiting([obj], since_attr=self.waiting_since)
        return obj

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = {**(extra_context or {}), "can_decide": self.has_moderate_permission(request)}
        return super().change_view(request, object_id, form_url, extra_context)

    # ---------------------------------------------------------- columns
    @admin.display(description=_("waiting (working hours)"))
    def waiting(self, obj):
        return waiting_html(obj)

    @admin.display(description=_("unresolved flags"))
    def flag_counts(self, obj):
        return flag_counts_html(obj)

    # ---------------------------------------------------------- the page
    def flags_of(self, obj) -> list[JobFlag]:
        # Cached on the instance: the flags table and every highlighted field read the same flags.
        if not hasattr(obj, "_moderation_flags"):
            flags = (JobFlag.objects.filter(revision=obj) if self.flags_of_revision
                     else JobFlag.objects.filter(job=obj, revision__isnull=True))
            obj._moderation_flags = list(flags.order_by("resolved_at", "field", "id"))
        return obj._moderation_flags

    @admin.display(description=_("flags"))
    def flags(self, obj):
        return flags_table(self.flags_of(obj))

    # ---------------------------------------------------------- decisions
    def service_decision_view(self, request, pk: int, *, form_class, service, title):
        """A decide page whose form goes to `service(pk=…, actor=…, **cleaned_data)`; the service
        refuses what may no longer be decided, so the page is offered for any object."""
        return self.decide_view_for(
            request, pk, permission=MODERATE_PERMISSION, form_class=form_class, title=title,
            applicable=lambda obj: True, describe=lambda obj: (obj, None),
            run=lambda obj, data: service(pk=obj.pk, actor=request.user, **data))
