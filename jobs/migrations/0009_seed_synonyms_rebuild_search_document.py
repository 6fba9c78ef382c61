"""S2.1: seed the common student words as synonym groups, and rebuild every
job's search document so it holds the category's name and the skills and
certificates required (jobs.models.build_search_document)."""

from django.db import migrations

SEED = ["家教/辅导/补习", "促销/导购", "服务员/餐饮", "派单/传单"]


def forwards(apps, schema_editor):
    from jobs.models import build_search_document

    SearchSynonym = apps.get_model("jobs", "SearchSynonym")
    for words in SEED:
        SearchSynonym.objects.get_or_create(words=words)
    Job = apps.get_model("jobs", "Job")
    batch = []
    for job in Job.objects.select_related("employer").iterator(chunk_size=500):
        job.search_document = build_search_document(
            title=job.title, description=job.description, category=job.category, skills=job.requirements_skills,
            certificates=job.requirements_certificates, employer_name=job.employer.name, district=job.district,
            city=job.city)
        batch.append(job)
        if len(batch) >= 500:
            Job.objects.bulk_update(batch, ["search_document"])
            batch = []
    if batch:
        Job.objects.bulk_update(batch, ["search_document"])


def backwards(apps, schema_editor):
    apps.get_model("jobs", "SearchSynonym").objects.filter(words__in=SEED).delete()


class Migration(migrations.Migration):
    dependencies = [("jobs", "0008_search_synonyms")]
    operations = [migrations.RunPython(forwards, backwards)]
