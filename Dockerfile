FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PORT=8000
WORKDIR /app
RUN useradd --create-home --uid 1000 newsroom

COPY requirements.txt ./
RUN pip install -r requirements.txt

COPY . .
# collectstatic needs settings; a throwaway key and a dummy database URL are enough for it.
RUN DEBUG=0 SECRET_KEY=collectstatic DATABASE_URL=postgres://none@localhost/none \
    python manage.py collectstatic --noinput

USER newsroom
EXPOSE 8000
CMD ["sh", "-c", "gunicorn newsroom.wsgi --bind 0.0.0.0:${PORT} --workers 3 --threads 4 --access-logfile -"]
