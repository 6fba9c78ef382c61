"""Production's static files storage (core.staticfiles) gives every page the hashed,
cache-busting URL from collectstatic's manifest, looked up once per process."""

import json

from django.test import override_settings

from core.staticfiles import StaticFilesStorage


def _collected(root, manifest: dict) -> StaticFilesStorage:
    (root / "staticfiles.json").write_text(json.dumps({"paths": manifest, "version": "1.1", "hash": "x"}))
    return StaticFilesStorage(location=str(root), base_url="/static/")


@override_settings(DEBUG=False)
def test_a_static_url_is_the_manifests_hashed_name_kept_for_the_process(tmp_path):
    # given: collectstatic's manifest for the stylesheet
    storage = _collected(tmp_path, {"css/site.css": "css/site.0123abcd.css"})
    # when / then: the hashed URL, as WhiteNoise's storage gives it
    assert storage.url("css/site.css") == "/static/css/site.0123abcd.css"
    # and: the process keeps it (collectstatic runs before a deploy starts the processes)
    storage.hashed_files = {"css/site.css": "css/site.feedbeef.css"}
    assert storage.url("css/site.css") == "/static/css/site.0123abcd.css"
    # a new process reads the new manifest
    assert _collected(tmp_path, {"css/site.css": "css/site.feedbeef.css"}).url("css/site.css") == \
        "/static/css/site.feedbeef.css"
