"""Entry point for `flask --app app ...` and `gunicorn app:app`."""

from pb.factory import create_app

app = create_app()
