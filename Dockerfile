# One image for web, worker and beat.
FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN apt-get update && apt-get install -y --no-install-recommends gettext postgresql-client \
    libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-noto-cjk \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY pyproject.toml ./
RUN pip install --no-cache-dir -e .
COPY . .
# Build-time only values; the real ones come from the environment at run time.
RUN DJANGO_SECRET_KEY=build DATABASE_URL=sqlite:////tmp/build.sqlite3 FIELD_ENCRYPTION_KEYS=YnVpbGQtb25seS1rZXktbm90LXVzZWQtYXQtcnVudGlt \
    PII_HASH_KEY=build DJANGO_SETTINGS_MODULE=config.settings.production \
    sh -c "python manage.py compilemessages --ignore=.venv -v 0 && python manage.py collectstatic --noinput -v 0"
RUN useradd --create-home jianzhi && mkdir -p /data/private && chown jianzhi /data/private
USER jianzhi
EXPOSE 8000
CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-", "--access-logformat", "%(h)s %(t)s \"%(m)s %(U)s\" %(s)s %(B)s %(M)sms"]
