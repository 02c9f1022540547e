# Production image for web, worker and beat (see docker-compose.yml).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app

COPY requirements.lock ./
RUN pip install --no-cache-dir -r requirements.lock

COPY . .
RUN SECRET_KEY=build-only-secret-key-not-used-at-run-time-0123456789abcdef \
    AUDIT_HMAC_KEY=build-only-audit-key-not-used-at-run-time-0123456789 \
    SIGNATURE_HMAC_KEY=build-only-signature-key-not-used-at-run-time-0123 \
    DATABASE_URL=postgres://build@localhost/build \
    python manage.py collectstatic --no-input

RUN useradd --system --uid 1000 between && chown -R between /app/var \
    && mkdir -p /var/lib/between/audit-anchors \
    && chown between /var/lib/between/audit-anchors
USER between

EXPOSE 8000
CMD ["gunicorn", "clinic.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
