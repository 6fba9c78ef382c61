"""Staff views of reviews: every review (published or not — staff only) and the
review windows (S5.1). Reports of a review are moderation reports (G3), decided
in moderation's queue.

Read-only: reviews change only through `reviews.services`."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from core.admin_mixins import ReadOnlyAdmin, history_table

from .models import Review, ReviewWindow

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
