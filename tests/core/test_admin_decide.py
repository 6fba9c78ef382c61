"""One staff "decide" page (core.admin_mixins.DecideViewMixin) behind every admin queue where staff decide
a case with a reason: contested no-shows, disputed hours and loss claims (S3.2, E4), payment disputes (S4.3),
appeals (E4.2), decision-check verdicts (P2.3), suggestions (P3) and job revisions (J2.2). Each admin's own
tests prove its page; this pins that none is a copy again."""

import pytest
from django.contrib import admin

from core.admin_mixins import DecideViewMixin


@pytest.mark.parametrize("label", [
    "applications.Attendance", "applications.LossClaim", "applications.DemandReport",
    "settlements.PaymentDispute", "risk.Appeal", "moderation.DecisionCheck", "operations.Suggestion",
    "jobs.JobRevision",
])
def test_the_decide_pages_share_one_view(label):
    from django.apps import apps

    model_admin = admin.site._registry[apps.get_model(label)]
    assert isinstance(model_admin, DecideViewMixin)
    assert "decide_view_for" not in type(model_admin).__dict__
