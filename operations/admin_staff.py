"""Appraisals, rewards and penalties, suggestions in the admin (P3).

Read-only lists for managers; every write runs a service: appraisals are
written on /ops/staff/<id>/appraise/, rewards and penalties on a form of their
own here, suggestions are adopted, declined and rewarded on pages of their own."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from core.admin_mixins import DecideViewMixin, DefaultStatusFilter, ReadOnlyAdmin, history_table
from core.errors import DomainError
from core.money import format_fen

from . import appraisal, suggestions
from .forms_staff import RewardOrPenaltyForm, SuggestionDecisionForm, SuggestionRewardForm, amount_or_zero
from .models import DECIDE_SUGGESTION_PERMISSION, RewardOrPenalty, StaffAppraisal, Suggestion

REASON_FORM_TEMPLATE = "admin/jobs/reason_form.html"  # the generic "decide with a reason" page
INDICATOR_LABELS = {
    "decisions": _("Decisions"), "reversed": _("Reversed"), "reversal_rate": _("Reversal rate (%)"),
    "tickets_resolved": _("Tickets resolved"), "first_answer_sla_rate": _("First answer on time (%)"),
    "resolution_target_rate": _("Resolved on target (%)"), "satisfaction_avg": _("Satisfaction (1–5)"),
    "decision_check_agreement_rate": _("Decision-check agreement (%)"),
}


def _form_error(form, error: DomainError) -> None:
    form.add_error(error.field if error.field in form.fields else None, str(error.message))


@admin.register(StaffAppraisal)
class StaffAppraisalAdmin(ReadOnlyAdmin):
    list_display = ["staff", "period_start", "period_end", "results", "attitude", "teamwork", "appraiser",
                    "created_at"]
    list_select_related = ["staff", "appraiser"]
    search_fields = ["staff__email"]
    date_hierarchy = "period_end"
    show_full_result_count = False
    change_list_template = "admin/operations/staff_appraisals_change_list.html"  # links to /ops/staff/
    fields = ["staff", "period_start", "period_end", "measured", "results", "attitude", "teamwork", "comments",
              "appraiser", "created_at", "history"]
    readonly_fields = fields

    @admin.display(description=_("measured indicators (frozen)"))
    def measured(self, obj):
        rows = [(label, obj.indicators.get(key, "—") if obj.indicators.get(key) is not None else "—")
                for key, label in INDICATOR_LABELS.items()]
        return format_html("<table><tbody>{}</tbody></table>",
                           format_html_join("", "<tr><th>{}</th><td>{}</td></tr>", rows))

    @admin.display(description=_("history"))
    def history(self, obj):
        return history_table(obj)


@admin.register(RewardOrPenalty)
class RewardOrPenaltyAdmin(ReadOnlyAdmin):
    list_display = ["staff", "kind", "amount_fen", "reason", "appraisal", "suggestion", "recorded_by", "at"]
    list_filter = ["kind"]
    list_select_related = ["staff", "recorded_by", "appraisal__staff", "suggestion"]
    search_fields = ["staff__email"]
    show_full_result_count = False
    change_list_template = "admin/operations/staff_rewards_change_list.html"

    def get_urls(self):
        view = self.admin_site.admin_view
        return [path("record/", view(self.record_view), name="operations_rewardorpenalty_record"),
                *super().get_urls()]

    def record_view(self, request):
        if not request.user.has_perm(appraisal.RECORD_PERMISSION):
            raise PermissionDenied
        form = RewardOrPenaltyForm(request.POST or None,
                                   staff_queryset=appraisal.staff_members().exclude(pk=request.user.pk))
        back_url = reverse("admin:operations_rewardorpenalty_changelist")
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                appraisal.reward_or_penalty_record(actor=request.user, staff_id=data["staff"].pk, kind=data["kind"],
                                                   amount_fen=amount_or_zero(data["amount"]), reason=data["reason"])
            except DomainError as error:
                _form_error(form, error)
            else:
                self.message_user(request, _("Recorded; the staff member has been told."), messages.SUCCESS)
                return redirect(back_url)
        return TemplateResponse(request, REASON_FORM_TEMPLATE, {
            **self.admin_site.each_context(request), "title": _("Record a reward or a penalty"),
            "subject": _("Rewards and penalties"), "form": form, "opts": self.opts, "back_url": back_url})


class SuggestionStatusFilter(DefaultStatusFilter):
    """By default what waits for a manager."""

    default = Suggestion.Status.SUBMITTED
    statuses = Suggestion.Status.choices


@admin.register(Suggestion)
class SuggestionAdmin(DecideViewMixin, ReadOnlyAdmin):
    list_display = ["title", "author", "status", "created_at", "decided_by", "decided_at"]
    list_filter = [SuggestionStatusFilter]
    list_select_related = ["author", "decided_by"]
    search_fields = ["title", "author__email"]
    ordering = ["created_at", "id"]  # the oldest suggestion has waited longest
    show_full_result_count = False
    fields = ["next_step", "title", "body", "author", "status", "decided_by", "decided_at", "decision_reason",
              "measured_effect", "reward", "history"]
    readonly_fields = fields
    object_route_permissions = {"operations_suggestion_decide": DECIDE_SUGGESTION_PERMISSION,
                                "operations_suggestion_reward": DECIDE_SUGGESTION_PERMISSION}

    @admin.display(description=_("what to do"))
    def next_step(self, obj):
        if obj.status == Suggestion.Status.SUBMITTED:
            return format_html('<a class="button" href="{}">{}</a>',
                               reverse("admin:operations_suggestion_decide", args=[obj.pk]), _("Adopt or decline"))
        if obj.status == Suggestion.Status.ADOPTED:
            return format_html('<a class="button" href="{}">{}</a>',
                               reverse("admin:operations_suggestion_reward", args=[obj.pk]),
                               _("Record the effect and the reward"))
        return _("Nothing to do.")

    @admin.display(description=_("reward"))
    def reward(self, obj):
        record = RewardOrPenalty.objects.filter(suggestion=obj).first()
        return f"{format_fen(record.amount_fen)} · {record.reason}" if record else "—"

    @admin.display(description=_("history"))
    def history(self, obj):
        return history_table(obj)

    def get_urls(self):
        view = self.admin_site.admin_view
        return [path("<int:pk>/decide/", view(self.decide_view), name="operations_suggestion_decide"),
                path("<int:pk>/reward/", view(self.reward_view), name="operations_suggestion_reward"),
                *super().get_urls()]

    def _decide(self, request, pk: int, *, status, already_decided, run, **kwargs):
        return self.decide_view_for(
            request, pk, permission=DECIDE_SUGGESTION_PERMISSION, applicable=lambda s: s.status == status,
            already_decided=already_decided, describe=lambda s: (f"{s.title} — {s.body}", None),
            run=lambda s, data: run(s.pk, data), **kwargs)

    def decide_view(self, request, pk: int):
        def run(suggestion_pk, data):
            service = (suggestions.suggestion_adopt if data["decision"] == "adopt"
                       else suggestions.suggestion_decline)
            service(pk=suggestion_pk, actor=request.user, reason=data["reason"])

        return self._decide(request, pk, status=Suggestion.Status.SUBMITTED, run=run,
                            form_class=SuggestionDecisionForm, title=_("Adopt or decline the suggestion"),
                            already_decided=_("This suggestion has already been decided."),
                            done_message=_("Decided; the author has been told."))

    def reward_view(self, request, pk: int):
        return self._decide(
            request, pk, status=Suggestion.Status.ADOPTED, form_class=SuggestionRewardForm,
            title=_("Record the effect and the reward"),
            already_decided=_("Only an adopted suggestion that has not been rewarded yet can be rewarded."),
            done_message=_("The reward is recorded; the author has been told."),
            run=lambda suggestion_pk, data: suggestions.suggestion_reward(
                pk=suggestion_pk, actor=request.user, effect=data["effect"],
                amount_fen=amount_or_zero(data["amount"]), reason=data["reason"]))
