"""Paper ballot batches: open, type in each sheet (twice if wanted), reconcile, close."""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l

from pb.audit.services import record
from pb.cycles.models import Cycle
from pb.db import db, utcnow
from pb.enums import Phase
from pb.errors import DomainError, WrongPhase
from pb.kiosk.models import PaperBatch, PaperEntry, Site
from pb.tally.digest import sha256_of
from pb.voting.services import check_ranking, store_paper_ballot

MAX_BATCH = 5000


def open_batch(*, actor, cycle: Cycle, site: Site, received_on: date, received_count: int) -> PaperBatch:
    """Start a batch: the site, the day and how many paper ballots came in."""
    if cycle.phase != Phase.voting:
        raise WrongPhase(_l("Paper ballots can be entered only while voting is open."))
    if site.cycle_id != cycle.id:
        raise DomainError(_l("Choose a site from the list."))
    if not 1 <= received_count <= MAX_BATCH:
        raise DomainError(_l("A batch holds between 1 and %(n)d ballots."), n=MAX_BATCH)
    batch = PaperBatch(cycle_id=cycle.id, site_id=site.id, received_on=received_on,
                       received_count=received_count, opened_by_id=actor.id)
    db.session.add(batch)
    # No ballot numbers in public audit data while voting is open; they stay on the batch row.
    record("paper.open", actor=actor, obj=batch, data={"site": site.id, "received_on": received_on.isoformat()})
    return batch


def enter_sheet(*, actor, batch: PaperBatch, sheet_no: int, ranking: list[int],
                invalid_reason: str = "") -> PaperEntry:
    """Type in one sheet. A second liaison typing the same sheet number is the check entry."""
    cycle = _open_batch_cycle(batch)
    if not 1 <= sheet_no <= batch.received_count:
        raise DomainError(_l("Sheet numbers go from 1 to %(n)d in this batch."), n=batch.received_count)
    invalid_reason = invalid_reason.strip()[:200]
    if not invalid_reason:
        ranking = check_ranking(cycle, ranking)
    entry = next((e for e in batch.entries if e.sheet_no == sheet_no), None)
    if entry is None:
        entry = PaperEntry(batch_id=batch.id, sheet_no=sheet_no, entered_by_id=actor.id,
                           ranking=[] if invalid_reason else ranking, invalid_reason=invalid_reason)
        db.session.add(entry)
        batch.entries.append(entry)
    elif entry.entered_by_id == actor.id or entry.checked_by_id is not None:
        raise DomainError(_l("Sheet %(n)d is already entered. A second entry must be made by another liaison."), n=sheet_no)
    else:
        entry.check_ranking = ["invalid"] if invalid_reason else ranking
        entry.checked_by_id = actor.id
    # Each sheet keeps who typed and who checked it; the close event seals them all with a
    # digest. Per-sheet audit events would publish a running count of paper ballots.
    db.session.flush()
    return entry


def resolve_sheet(*, actor, batch: PaperBatch, sheet_no: int, ranking: list[int],
                  invalid_reason: str = "") -> PaperEntry:
    """Settle a mismatch by reading the paper again: both entries become this reading."""
    cycle = _open_batch_cycle(batch)
    entry = next((e for e in batch.entries if e.sheet_no == sheet_no), None)
    if entry is None or not is_mismatch(entry):
        raise DomainError(_l("Sheet %(n)d has no mismatch to resolve."), n=sheet_no)
    invalid_reason = invalid_reason.strip()[:200]
    entry.ranking = [] if invalid_reason else check_ranking(cycle, ranking)
    entry.invalid_reason = invalid_reason
    entry.check_ranking = ["invalid"] if invalid_reason else entry.ranking
    entry.checked_by_id = actor.id
    db.session.flush()
    return entry


def is_mismatch(entry: PaperEntry) -> bool:
    if entry.check_ranking is None:
        return False
    first = ["invalid"] if entry.invalid_reason else entry.ranking
    return first != entry.check_ranking


def reconciliation(batch: PaperBatch) -> dict:
    valid = sum(1 for e in batch.entries if not e.invalid_reason)
    invalid = len(batch.entries) - valid
    mismatches = [e.sheet_no for e in batch.entries if is_mismatch(e)]
    return {"received": batch.received_count, "entered": valid, "invalid": invalid,
            "missing": batch.received_count - valid - invalid, "mismatches": mismatches,
            "balanced": valid + invalid == batch.received_count and not mismatches}


def close_batch(*, actor, batch: PaperBatch) -> PaperBatch:
    """Put the batch's valid sheets into the ballot box once received = entered + invalid."""
    _open_batch_cycle(batch)
    totals = reconciliation(batch)
    if totals["mismatches"]:
        raise DomainError(_l("Resolve the mismatched sheets before closing the batch."))
    if not totals["balanced"]:
        raise DomainError(_l("This batch does not add up: %(received)d received, %(entered)d entered and %(invalid)d invalid."),
                          received=totals["received"], entered=totals["entered"], invalid=totals["invalid"])
    for entry in batch.entries:
        if not entry.invalid_reason:
            store_paper_ballot(cycle_id=batch.cycle_id, ranking=entry.ranking, site_id=batch.site_id)
    batch.closed_at = utcnow()
    record("paper.close", actor=actor, obj=batch,
           data={"site": batch.site_id, "entries_sha256": entries_digest(batch)})
    return batch


def entries_digest(batch: PaperBatch) -> str:
    """SHA-256 of every sheet as typed and checked, so later edits to the rows would show."""
    rows = [{"sheet": e.sheet_no, "ranking": e.ranking, "invalid": e.invalid_reason,
             "check": e.check_ranking, "entered_by": e.entered_by_id, "checked_by": e.checked_by_id}
            for e in sorted(batch.entries, key=lambda e: e.sheet_no)]
    return sha256_of(rows)


def _open_batch_cycle(batch: PaperBatch) -> Cycle:
    cycle = db.session.get(Cycle, batch.cycle_id)
    if batch.closed_at is not None:
        raise DomainError(_l("This batch is closed."))
    if cycle.phase != Phase.voting:
        raise WrongPhase(_l("Paper ballots can be entered only while voting is open."))
    return cycle
