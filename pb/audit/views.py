"""The public audit log: every state change, newest first, with the chain's head as an anchor."""

import json
from functools import partial
from itertools import groupby

from flask import (
    Blueprint,
    Response,
    abort,
    get_template_attribute,
    render_template,
    request,
    stream_with_context,
)
from markupsafe import Markup
from sqlalchemy import select

from pb.accounts.access import public
from pb.audit import queries
from pb.audit.labels import OBJECT_LABELS, ROLE_LABELS, action_label
from pb.audit.models import AuditEvent
from pb.audit.services import is_redacted, public_export
from pb.cycles.models import Cycle
from pb.db import db, db_rows
from pb.enums import Phase
from pb.fragments import fragment
from pb.i18n.catalog import gettext as _
from pb.i18n.catalog import ngettext
from pb.i18n.labels import PHASE_NAMES
from pb.pagecache import request_head
from pb.urls import Page, clamp_page, url_for

bp = Blueprint("audit", __name__, url_prefix="/audit")
PER_PAGE = 50
BLOCK = 10  # rows kept together once complete (pb.fragments): fewer pieces to look up per page
LINKS = {"Project": ("cycles.project", "project_id"), "Idea": ("proposals.detail", "idea_id")}


# The public cycles (as pb.cycles.queries.public_cycles lists them), only what the filters,
# links and withheld details need: plain columns, read on the session's connection (see
# pb.audit.queries), are cheaper than whole Cycle objects.
_CYCLES = (select(Cycle.id, Cycle.slug, Cycle.title, Cycle.phase).where(Cycle.phase != Phase.draft)
           .order_by(Cycle.created_at.desc()))


def voting_cycle_ids() -> set[int]:
    """Cycles whose count-revealing events stay redacted (see pb.audit.services)."""
    return set(db.session.scalars(select(Cycle.id).where(Cycle.phase == Phase.voting)))


def _filtered(actions: list[str], objects: list[str], cycles: list) -> tuple[queries.Filtered, dict]:
    """The chosen filters; a value not on offer matches nothing (an unknown cycle is a 404),
    compared in Python so junk, even NUL bytes, never reaches the database."""
    action, object_type, slug = (request.args.get(k, "").strip()[:64] for k in ("action", "object", "cycle"))
    cycle = next((c for c in cycles if c.slug == slug), None) if slug else None
    if slug and cycle is None:
        abort(404)
    junk = (action and action not in actions) or (object_type and object_type not in objects)
    filtered = queries.Filtered(action=action if action in actions else "",
                                object_type=object_type if object_type in objects else "",
                                cycle_id=cycle.id if cycle else None, nothing=bool(junk))
    return filtered, {"action": action, "object": object_type, "cycle": cycle.slug if cycle else ""}


@bp.get("/")
@public
def index():
    actions, objects = queries.filter_lists()
    cycles = db_rows(_CYCLES).all()
    filtered, chosen = _filtered(actions, objects, cycles)
    total, newest = filtered.count(), request_head()  # the head as the page cache read it
    # The asked-for page, clamped: junk or 0 gives the first, past the end gives the last.
    page = clamp_page(request.args.get("page", 1, type=int) or 1, total, PER_PAGE)
    items = filtered.events(PER_PAGE, (page - 1) * PER_PAGE)
    events = Page(items, page, PER_PAGE, total)
    voting = {c.id for c in cycles if c.phase == Phase.voting}  # drafts are never voting
    link, whole = _linker(cycles), queries.whole_events([e.seq for e in items])
    label = _labels_once()
    # What a row or the filters show is worked out inside the macro, only when it is rendered:
    # a row kept from an earlier render needs neither its event's data nor its labels.
    described, role_label, object_label = partial(describe, label=label), _shown(ROLE_LABELS), _shown(OBJECT_LABELS)
    row_keys = [(e.seq, e.hash, is_redacted(e, voting), link(e)) for e in items]

    def row(key: tuple) -> Markup:
        seq, _hash, redacted, url = key
        return fragment("audit/_parts.html", "row", key, whole, seq, redacted, url, described, role_label, object_label)

    def rows(block: list[tuple]) -> Markup:
        if len(block) < BLOCK:  # the newest block, still filling, or cut by the page's end
            return get_template_attribute("audit/_parts.html", "rows")(block, row)
        return fragment("audit/_parts.html", "rows", tuple(block), block, row)

    def filters() -> Markup:
        # A value not on offer selects nothing, like "All": one key for all of them, so junk in
        # the query string adds nothing to the store.
        picked = (chosen["cycle"], chosen["action"] if chosen["action"] in actions else "",
                  chosen["object"] if chosen["object"] in objects else "")
        shown = tuple((c.slug, c.title) for c in cycles), tuple(actions), tuple(objects), picked
        return fragment("audit/_parts.html", "filters", shown,
                        cycles, actions, label, objects, object_label, chosen)
    blocks = _blocks(row_keys, total - (page - 1) * PER_PAGE)
    return render_template("audit/index.html", events=events, head=newest, chosen=chosen, blocks=blocks, rows=rows,
                           filters=filters)


def _blocks(row_keys: list, rank: int) -> list[list]:
    """The rows in blocks of BLOCK by their rank from the oldest matching event (`rank` is the
    first row's). The log only grows at the top, so a full block holds the same rows on every
    later page it appears on, wherever the page's edges fall."""
    return [[key for _, key in block]
            for _, block in groupby(enumerate(row_keys), key=lambda item: (rank - 1 - item[0]) // BLOCK)]


def _labels_once():
    """action_label, translated once per action for this page (not once per event shown)."""
    done: dict[str, str] = {}

    def label(action: str) -> str:
        if action not in done:
            done[action] = action_label(action)
        return done[action]
    return label


def _shown(labels: dict):
    """label(key): the label of `key` in the reader's language, translated once per page, or the
    key itself. A lazy label prints unescaped (it is our own catalog's text), so each stays
    Markup, as it printed before."""
    done: dict[str, str] = {}

    def label(key: str):
        if key not in done:
            done[key] = Markup(str(labels[key])) if key in labels else key  # noqa: S704
        return done[key]
    return label


def _linker(cycles):
    slugs = {c.id: c.slug for c in cycles}

    def link(event) -> str | None:
        if event.object_type == "Cycle" and event.object_id.isdigit() and int(event.object_id) in slugs:
            return url_for("cycles.detail", slug=slugs[int(event.object_id)])
        if event.object_type in LINKS and event.object_id.isdigit():
            endpoint, key = LINKS[event.object_type]
            return url_for(endpoint, **{key: int(event.object_id)})
        return None
    return link


def describe(event, *, label=action_label) -> str:
    """One plain sentence for the event (an AuditEvent or a row of its columns); the details
    column keeps the recorded data."""
    data = event.data or {}
    if event.action == "cycle.advance" and data.get("to") in Phase.__members__:
        return _("Cycle moved to: %(phase)s", phase=PHASE_NAMES[Phase(data["to"])])
    if event.action == "ballot.freeze":
        n = len((data.get("ballot") or {}).get("projects", []))
        return ngettext("Ballot recorded as voting opened: %(num)s project",
                        "Ballot recorded as voting opened: %(num)s projects", n)
    return label(event.action)


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
