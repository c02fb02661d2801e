"""The public audit log: every state change, newest first, with the chain's head hash."""

import json

from flask import Blueprint, Response, render_template, request, stream_with_context
from sqlalchemy import select

from pb.accounts.access import public
from pb.audit.models import AuditEvent
from pb.audit.services import exported, head_hash
from pb.db import db

bp = Blueprint("audit", __name__, url_prefix="/audit")


def _filtered():
    query = select(AuditEvent)
    action, object_type = request.args.get("action", "").strip(), request.args.get("object", "").strip()
    if action:
        query = query.where(AuditEvent.action == action[:64])
    if object_type:
        query = query.where(AuditEvent.object_type == object_type[:32])
    return query, action, object_type


@bp.get("/")
@public
def index():
    query, action, object_type = _filtered()
    page = max(request.args.get("page", 1, type=int), 1)
    events = db.paginate(query.order_by(AuditEvent.seq.desc()), page=page, per_page=50, error_out=False)
    actions = db.session.scalars(select(AuditEvent.action).distinct().order_by(AuditEvent.action)).all()
    objects = db.session.scalars(select(AuditEvent.object_type).distinct().order_by(AuditEvent.object_type)).all()
    return render_template("audit/index.html", events=events, head=head_hash(), actions=actions,
                           objects=[o for o in objects if o], action=action, object_type=object_type)


@bp.get("/export.jsonl")
@public
def export():
    """The whole chain, oldest first, one JSON object per line: `pb audit verify --file` reads it."""
    def lines():
        for event in db.session.scalars(select(AuditEvent).order_by(AuditEvent.seq)).yield_per(500):
            yield json.dumps(exported(event), ensure_ascii=False, sort_keys=True) + "\n"

    return Response(stream_with_context(lines()), mimetype="application/jsonl",
                    headers={"Content-Disposition": 'attachment; filename="audit.jsonl"'})
