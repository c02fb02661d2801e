"""Alembic environment: runs inside the app, so the database URL and metadata come from it.

Used by `flask --app app pb migrate` / `pb init` (pb.migrate) and by Flask-Migrate's
`flask --app app db ...` commands alike.
"""

from alembic import context

import pb.models  # noqa: F401  (the whole schema)
from pb.db import db


def _number_and_skip_empty(migration_context, _revision, directives):
    """Number new revisions 0002, 0003, ... so file names sort in chain order, and write
    nothing when autogenerate finds no change."""
    script = directives[0]
    if getattr(context.config.cmd_opts, "autogenerate", False) and script.upgrade_ops.is_empty():
        directives[:] = []
        context.config.print_stdout("No changes in schema detected; no revision written.")
        return
    head = context.script.get_current_head()
    script.rev_id = f"{int(head or 0) + 1:04d}"


with db.engine.connect() as connection:
    context.configure(connection=connection, target_metadata=db.metadata,
                      render_as_batch=True, compare_type=True,
                      process_revision_directives=_number_and_skip_empty)
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
