"""The public audit log: every state change, newest first, with the chain's head hash."""

from flask import Blueprint, render_template, request
from sqlalchemy import select

from pb.accounts.access import public
from pb.audit.models import AuditEvent
from pb.audit.services import head_hash
from pb.db import db

bp = Blueprint("audit", __name__, url_prefix="/audit")


@bp.get("/")
@public
def index():
    page = max(request.args.get("page", 1, type=int), 1)
    events = db.paginate(select(AuditEvent).order_by(AuditEvent.seq.desc()),
                         page=page, per_page=50, error_out=False)
    return render_template("audit/index.html", events=events, head=head_hash())
