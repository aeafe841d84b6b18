"""WSGI entry point: ``gunicorn wsgi:app`` and ``flask --app wsgi ...``."""
from eventhub import create_app

app = create_app()
