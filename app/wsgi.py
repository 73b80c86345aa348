"""Entry point for gunicorn and `flask --app app.wsgi`."""

from app import create_app

app = create_app()
