"""Staff views of reviews: every review (published or not — staff only), the
review windows, and the moderators' queue of reports (S5.1, G3).

Read-only: reviews change only through `reviews.services`. Moderators
(`reviews.change_reviewreport`) decide a report on a page of its own."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from core.admin_mixins import DefaultStatusFilter, ReadOnlyAdmin, history_table
from core.errors import DomainError

from . import services
from .forms import DecisionForm
from .models import DECIDE_PERMISSION, Review, ReviewReport, ReviewWindow

REASON_FORM_TEMPLATE = "admin/jobs/reason_form.html"  # the generic "decide with a reason" page


@admin.register(Review)
class ReviewAdmin(ReadOnlyAdmin):
    list_display = ["id", "direction", "employer", "student", "overall", "submitted_at", "published_at", "hidden_at"]
    list_filter = ["direction", ("published_at", admin.EmptyFieldListFilter),
                   ("hidden_at", admin.EmptyFieldListFilter)]
    list_select_related = ["employer", "student"]
    search_fields = ["=id", "=engagement__id", "employer__name", "student__email"]
    show_full_result_count = False
    fields = ["engagement", "direction", "author", "student", "employer", "work_performance", "work_as_described",
              "treatment_and_safety", "payment_timeliness", "communication", "overall", "comment", "submitted_at",
              "published_at", "reply", "replied_at", "replied_by", "hidden_at", "hidden_reason", "history"]
    readonly_fields = fields

    @admin.display(description=_("history"))
    def history(self, obj):
        return history_table(obj)


@admin.register(ReviewWindow)
class ReviewWindowAdmin(ReadOnlyAdmin):
    list_display = ["id", "engagement", "employer", "student", "opens_at", "closes_at", "revealed_at"]
    list_select_related = ["engagement", "employer", "student"]
    search_fields = ["=id", "=engagement__id", "employer__name", "student__email"]
    show_full_result_count = False


class ReportStatusFilter(DefaultStatusFilter):
    """By default what waits for a moderator."""

    default = ReviewReport.Status.OPEN
    statuses = ReviewReport.Status.choices


@admin.register(ReviewReport)
class ReviewReportAdmin(ReadOnlyAdmin):
    list_display = ["id", "review", "category", "reporter", "status", "created_at", "decided_at"]
    list_filter = [ReportStatusFilter, "category"]
    list_select_related = ["review", "reporter"]
    search_fields = ["=id", "=review__id", "reporter__email"]
    ordering = ["created_at", "id"]  # the oldest report waits longest
    show_full_result_count = False
    fields = ["review_link", "review_text", "category", "reason", "reporter", "status", "decided_by", "decided_at",
              "note", "history"]
    object_route_permissions = {"reviews_reviewreport_decide": DECIDE_PERMISSION}

    def get_fields(self, request, obj=None):
        if request.user.has_perm(DECIDE_PERMISSION):
            return ["decide", *self.fields]
        return list(self.fields)

    def get_readonly_fields(self, request, obj=None):
        return self.get_fields(request, obj)

    @admin.display(description=_("review"))
    def review_link(self, obj):
        return format_html('<a href="{}">{}</a>', reverse("admin:reviews_review_change", args=[obj.review_id]),
                           obj.review)

    @admin.display(description=_("the review says"))
    def review_text(self, obj):
        review = obj.review
        ratings = ", ".join(f"{label}: {value}" for label, value in review.ratings())
        return format_html("{}<br>{}", ratings, review.comment or "—")

    @admin.display(description=_("decide"))
    def decide(self, obj):
        if obj.status != ReviewReport.Status.OPEN:
            return _("Nothing to decide.")
        return format_html('<a class="button" href="{}">{}</a>',
                           reverse("admin:reviews_reviewreport_decide", args=[obj.pk]), _("Decide the report"))

    @admin.display(description=_("history"))
    def history(self, obj):
        return history_table(obj)

    def get_urls(self):
        view = self.admin_site.admin_view
        return [path("<int:pk>/decide/", view(self.decide_view), name="reviews_reviewreport_decide"),
                *super().get_urls()]

    def decide_view(self, request, pk: int):
        if not request.user.has_perm(DECIDE_PERMISSION):
            raise PermissionDenied
        report = self.get_object(request, str(pk))
        if report is None:
            raise Http404
        change_url = reverse("admin:reviews_reviewreport_change", args=[report.pk])
        if report.status != ReviewReport.Status.OPEN:
            self.message_user(request, _("This report has already been decided."), messages.WARNING)
            return redirect(change_url)
        form = DecisionForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                services.review_report_decide(report_id=report.pk, actor=request.user, **form.cleaned_data)
            except DomainError as error:
                if error.field in form.fields:
                    form.add_error(error.field, str(error.message))
                else:
                    self.message_user(request, str(error.message), messages.ERROR)
            else:
                self.message_user(request, _("Done: %(title)s.") % {"title": _("Decide the report")},
                                  messages.SUCCESS)
                return redirect(change_url)
        review = report.review
        summary = f"{review} · {report.get_category_display()}: {report.reason}"
        return TemplateResponse(request, REASON_FORM_TEMPLATE, {
            **self.admin_site.each_context(request), "title": _("Decide the review report"), "subject": summary,
            "form": form, "opts": self.opts, "original": report, "back_url": change_url,
        })
