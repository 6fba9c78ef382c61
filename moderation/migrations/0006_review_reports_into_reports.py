"""One report concept for reviews (S5.1, G3): every `reviews.ReviewReport` becomes a
`moderation.Report(review=…)`, with its reporter, category, text, status, decision and
dates; its history rows follow it (the transitions renamed to the report's: report →
create, uphold → confirm), and the moderators' inbox links point to the new case.

No row is lost: a reporter whose open review report meets their own open report of the
same review (one open report per reporter and target) keeps one case, the second text
appended to its details and the history of both on it."""

from django.db import migrations

STATUS = {"open": "open", "upheld": "resolved", "dismissed": "dismissed"}
TRANSITION = {"report": "create", "uphold": "confirm", "dismiss": "dismiss"}


def review_reports_into_reports(apps, schema_editor):
    ReviewReport = apps.get_model("reviews", "ReviewReport")
    Report = apps.get_model("moderation", "Report")
    ContentType = apps.get_model("contenttypes", "ContentType")
    HistoryEntry = apps.get_model("core", "HistoryEntry")
    Notification = apps.get_model("core", "Notification")
    if not ReviewReport.objects.exists():
        return
    old_type = ContentType.objects.filter(app_label="reviews", model="reviewreport").first()
    new_type, _created = ContentType.objects.get_or_create(app_label="moderation", model="report")
    for old in ReviewReport.objects.order_by("pk").iterator():
        status = STATUS[old.status]
        report = None
        if status == "open":
            report = Report.objects.filter(review_id=old.review_id, reporter_id=old.reporter_id, status="open").first()
        if report is not None:
            report.details = f"{report.details}\n\n[{old.category}] {old.reason}".strip()
            report.save(update_fields=["details"])
        else:
            report = Report.objects.create(
                review_id=old.review_id, reporter_id=old.reporter_id, category=old.category, details=old.reason,
                status=status, decided_at=old.decided_at, decided_by_id=old.decided_by_id, decision_note=old.note)
            Report.objects.filter(pk=report.pk).update(created_at=old.created_at, updated_at=old.updated_at)
        if old_type is not None:
            rows = HistoryEntry.objects.filter(content_type=old_type, object_id=str(old.pk))
            for before, after in TRANSITION.items():
                rows.filter(transition=before).update(transition=after)
            rows.update(content_type=new_type, object_id=str(report.pk))
        Notification.objects.filter(link=f"/admin/reviews/reviewreport/{old.pk}/change/").update(
            link=f"/admin/moderation/report/{report.pk}/change/")


class Migration(migrations.Migration):

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("core", "0011_back_office_roles"),
        ("reviews", "0002_moderator_roles"),
        ("moderation", "0005_report_review_categories"),
    ]

    operations = [
        # Backwards the rows stay moderation reports (the review reports' table comes back empty).
        migrations.RunPython(review_reports_into_reports, migrations.RunPython.noop),
    ]
