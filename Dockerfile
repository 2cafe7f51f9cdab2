# Production image, built once and used by every service of docker-compose.yml: web (gunicorn), Celery
# worker and beat, migrate, backup and restore.
FROM python:3.12-slim-bookworm

# The major version of the PostgreSQL server (docker-compose.yml's postgres image, and the embedded server
# of `make run`/`make test`): backups need pg_dump/pg_restore of exactly that major version, which Debian's
# own packages are not; the PostgreSQL project's apt repository (PGDG) carries every one.
ARG PG_MAJOR=18

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    STATIC_ROOT=/app/staticfiles \
    MEDIA_ROOT=/data/media \
    BACKUP_DIR=/backups \
    PG_BIN_DIR=/usr/lib/postgresql/${PG_MAJOR}/bin

# The Chinese font embedded in every PDF (core/pdf_fonts.py); the PostgreSQL client programs
# (postgresql-common brings PGDG's signing key and the script that adds its repository).
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates fonts-wqy-microhei postgresql-common \
    && /usr/share/postgresql-common/pgdg/apt.postgresql.org.sh -y \
    && apt-get install -y --no-install-recommends postgresql-client-${PG_MAJOR} \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY requirements.lock .
RUN pip install --require-hashes -r requirements.lock

COPY . .
# collectstatic needs settings but no database; the key is only for this build step.
RUN SECRET_KEY=build-only python manage.py collectstatic --noinput \
    && useradd --system --uid 10001 --home /app ledger \
    && mkdir -p /data/media /backups && chown -R ledger /data /backups && chmod 0700 /backups

USER ledger
EXPOSE 8000
# Workers, threads, timeouts and recycling are in config/gunicorn.py (GUNICORN_CMD_ARGS overrides them);
# 0.0.0.0 inside the container only — docker-compose publishes the port on the host's loopback.
CMD ["gunicorn", "--config", "python:config.gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--access-logfile", "-"]
