"""`manage.py check --deploy --fail-level WARNING` passes with production settings (J3.1, K5)."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_k5_production_settings_pass_the_deploy_check():
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(64),
        "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/postgres",
        "FIELD_ENCRYPTION_KEYS": "dGVzdC1vbmx5LWtleS1uZXZlci1pbi1wcm9kLTAwMDE=",
        "PII_HASH_KEY": secrets.token_hex(16),
        "DJANGO_ALLOWED_HOSTS": "jianzhi.example.com",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_k5_production_refuses_to_start_without_secrets():
    env = {k: v for k, v in os.environ.items()
           if k not in ("DJANGO_SECRET_KEY", "FIELD_ENCRYPTION_KEYS", "PII_HASH_KEY")}
    env.update({"DJANGO_SETTINGS_MODULE": "config.settings.production",
                "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/postgres"})
    result = subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr
