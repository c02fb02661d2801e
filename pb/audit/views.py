"""The public audit log: every state change, newest first, with the chain's head as an anchor."""

import json
from math import ceil

from flask import Blueprint, Response, abort, render_template, request, stream_with_context, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import false, func, select

from pb.accounts.access import public
from pb.audit.labels import OBJECT_LABELS, ROLE_LABELS, action_label
from pb.audit.models import AuditEvent
from pb.audit.services import head, is_redacted, public_export
from pb.cycles.models import Cycle
from pb.cycles.queries import public_cycles
from pb.db import db
from pb.enums import Phase
from pb.i18n.labels import PHASE_NAMES

bp = Blueprint("audit", __name__, url_prefix="/audit")
PER_PAGE = 50
LINKS = {"Project": ("cycles.project", "project_id"), "Idea": ("proposals.detail", "idea_id")}


def voting_cycle_ids() -> set[int]:
    """Cycles whose count-revealing events stay redacted (see pb.audit.services)."""
    return set(db.session.scalars(select(Cycle.id).where(Cycle.phase == Phase.voting)))


def _filtered(actions: list[str], objects: list[str], cycles: list[Cycle]):
    """The query for the chosen filters; a value not on offer matches nothing (an unknown cycle
    is a 404), compared in Python so junk, even NUL bytes, never reaches the database."""
    action, object_type, slug = (request.args.get(k, "").strip()[:64] for k in ("action", "object", "cycle"))
    cycle = next((c for c in cycles if c.slug == slug), None) if slug else None
    if slug and cycle is None:
        abort(404)
    query = select(AuditEvent)
    if action:  # compared in Python first: junk (even NUL bytes) never reaches the database
        query = query.where(AuditEvent.action == action if action in actions else false())
    if object_type:
        query = query.where(AuditEvent.object_type == object_type if object_type in objects else false())
    if cycle is not None:
        query = query.where(AuditEvent.cycle_id == cycle.id)
    return query, {"action": action, "object": object_type, "cycle": cycle.slug if cycle else ""}


def _page(query) -> int:
    """The asked-for page, clamped: junk or 0 gives the first, past the end gives the last."""
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    asked = request.args.get("page", 1, type=int) or 1
    return min(max(asked, 1), max(ceil(total / PER_PAGE), 1))


@bp.get("/")
@public
def index():
    actions = list(db.session.scalars(select(AuditEvent.action).distinct().order_by(AuditEvent.action)))
    objects = [o for o in db.session.scalars(select(AuditEvent.object_type).distinct()
                                             .order_by(AuditEvent.object_type)) if o]
    cycles = public_cycles()
    query, chosen = _filtered(actions, objects, cycles)
    events = db.paginate(query.order_by(AuditEvent.seq.desc()), page=_page(query), per_page=PER_PAGE,
                         error_out=False)
    return render_template("audit/index.html", events=events, head=head(), actions=actions, objects=objects,
                           cycles=cycles, chosen=chosen, redacted=_redacted(events.items),
                           describe=describe, link=_linker(cycles), action_label=action_label,
                           OBJECT_LABELS=OBJECT_LABELS, ROLE_LABELS=ROLE_LABELS)


def _redacted(events) -> set[int]:
    voting = voting_cycle_ids()
    return {e.seq for e in events if is_redacted(e, voting)}


def _linker(cycles):
    slugs = {c.id: c.slug for c in cycles}

    def link(event: AuditEvent) -> str | None:
        if event.object_type == "Cycle" and event.object_id.isdigit() and int(event.object_id) in slugs:
            return url_for("cycles.detail", slug=slugs[int(event.object_id)])
        if event.object_type in LINKS and event.object_id.isdigit():
            endpoint, key = LINKS[event.object_type]
            return url_for(endpoint, **{key: int(event.object_id)})
        return None
    return link


def describe(event: AuditEvent) -> str:
    """One plain sentence for the event; the details column keeps the recorded data."""
    data = event.data or {}
    if event.action == "cycle.advance" and data.get("to") in Phase.__members__:
        return _("Cycle moved to: %(phase)s", phase=PHASE_NAMES[Phase(data["to"])])
    if event.action == "ballot.freeze":
        n = len((data.get("ballot") or {}).get("projects", []))
        return ngettext("Ballot recorded as voting opened: %(num)s project",
                        "Ballot recorded as voting opened: %(num)s projects", n)
    return action_label(event.action)


@bp.get("/export.jsonl")
@public
def export():
    """The whole chain, oldest first, one JSON object per line: `pb audit verify --file` reads it.

    Events withheld while their cycle votes are exported without their data (`redacted`), so
    the chain still links; they are checked in full once voting closes.
    """
    voting = voting_cycle_ids()

    def lines():
        for event in db.session.scalars(select(AuditEvent).order_by(AuditEvent.seq)).yield_per(500):
            yield json.dumps(public_export(event, voting), ensure_ascii=False, sort_keys=True) + "\n"

    return Response(stream_with_context(lines()), mimetype="application/jsonl",
                    headers={"Content-Disposition": 'attachment; filename="audit.jsonl"'})
