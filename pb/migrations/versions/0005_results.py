"""progress spent and append-only audit

Revision ID: 0005
Revises: 0003
Create Date: 2026-11-25 22:41:23.467064
"""

import sqlalchemy as sa
from alembic import op

import pb.db


revision = '0005'
down_revision = '0003'
branch_labels = None
depends_on = None


# The audit log is append-only: on PostgreSQL the database itself refuses UPDATE and DELETE.
# Only someone who can drop the trigger (the table owner) could get round it, and the hash
# chain would still expose any edit.
APPEND_ONLY = """
CREATE FUNCTION audit_event_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit_event is append-only: % refused', TG_OP;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE ON audit_event
    FOR EACH ROW EXECUTE FUNCTION audit_event_append_only();
"""


def upgrade() -> None:
    with op.batch_alter_table('progress_update', schema=None) as batch_op:
        batch_op.add_column(sa.Column('spent_cents', sa.Integer(), nullable=False, server_default='0'))
    if op.get_bind().dialect.name == "postgresql":
        op.execute(APPEND_ONLY)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER audit_event_append_only ON audit_event")
        op.execute("DROP FUNCTION audit_event_append_only()")
    with op.batch_alter_table('progress_update', schema=None) as batch_op:
        batch_op.drop_column('spent_cents')
