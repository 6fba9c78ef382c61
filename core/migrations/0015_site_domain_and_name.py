"""The Site is the platform, not Django's example.com (issue 21): allauth's e-mails name it
("您好！这是来自兼职 Jianzhi的邮件", links on its domain). From settings.SITE_DOMAIN / SITE_NAME;
plain ORM, so it runs on SQLite (make run) as on PostgreSQL."""

from django.conf import settings
from django.db import migrations


def site_set(apps, schema_editor):
    Site = apps.get_model("sites", "Site")
    Site.objects.update_or_create(pk=settings.SITE_ID, defaults={
        "domain": settings.SITE_DOMAIN[:100], "name": settings.SITE_NAME[:50]})


def site_unset(apps, schema_editor):
    apps.get_model("sites", "Site").objects.filter(pk=settings.SITE_ID).update(
        domain="example.com", name="example.com")


class Migration(migrations.Migration):
    dependencies = [("core", "0014_calendar_year_confirmation"), ("sites", "0002_alter_domain_unique")]
    operations = [migrations.RunPython(site_set, site_unset)]
