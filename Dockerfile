# Production image: one image for web (gunicorn), Celery worker and Celery beat.
FROM python:3.12-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    STATIC_ROOT=/app/staticfiles \
    MEDIA_ROOT=/data/media

# The Chinese font embedded in every PDF (organizations/pdf_fonts.py).
RUN apt-get update && apt-get install -y --no-install-recommends fonts-wqy-microhei \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY requirements.lock .
RUN pip install -r requirements.lock

COPY . .
# collectstatic needs settings but no database; the key is only for this build step.
RUN SECRET_KEY=build-only python manage.py collectstatic --noinput \
    && useradd --system --uid 10001 --home /app ledger \
    && mkdir -p /data/media && chown -R ledger /data

USER ledger
EXPOSE 8000
CMD ["gunicorn", "--config", "python:config.gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
