"""Alembic, driven from the app: `flask pb migrate` and the tests use these."""

from __future__ import annotations

import os

from alembic import command
from alembic.config import Config

HERE = os.path.dirname(os.path.abspath(__file__))


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", os.path.join(HERE, "migrations"))
    return config


def upgrade(revision: str = "head") -> None:
    """Bring the app's database to `revision` (call inside an app context)."""
    command.upgrade(alembic_config(), revision)


def revision(message: str) -> None:
    """Write a new migration from the difference between the models and the database."""
    command.revision(alembic_config(), message=message, autogenerate=True)
