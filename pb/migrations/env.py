"""Alembic environment: runs inside the app, so the database URL and metadata come from it."""

from alembic import context

import pb.models  # noqa: F401  (the whole schema)
from pb.db import db

with db.engine.connect() as connection:
    context.configure(connection=connection, target_metadata=db.metadata,
                      render_as_batch=True, compare_type=True)
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
