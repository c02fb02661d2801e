"""Paper ballot batches under a two-person rule.

A batch is opened with the number of sheets received, a second person confirms that count,
the liaison lists the people who filled in sheets (written to the shared voter roll), every
sheet is typed twice by two different people (unless the cycle turned double entry off), a
third person settles any mismatch, and someone other than the only typist closes it. A batch
can be cancelled with a public reason; its sheets never reach the box.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select

from pb.audit.services import record
from pb.cycles.models import Area, Cycle
from pb.cycles.queries import lock_cycle
from pb.db import db, utcnow
from pb.enums import Channel, Phase
from pb.errors import DomainError, WrongPhase
from pb.kiosk.models import PaperBatch, PaperCheckIn, PaperEntry, Site
from pb.kiosk.services import check_uses_kiosks
from pb.tally.digest import canonical_json
from pb.voting.models import VoteMark, VoterRollEntry
from pb.voting.services import AlreadyVoted, admit_in_person, check_ranking, store_paper_ballot

MAX_BATCH = 5000
INVALID = ["invalid"]  # how an invalid sheet's reading is stored next to a ranking


class TwoPersonRule(DomainError):
    """The same person tried to do a step that needs a second (or third) person."""


def set_paper_double_entry(*, actor, cycle: Cycle, required: bool) -> Cycle:
    """Turn double entry of paper sheets on or off; only before voting opens, publicly audited."""
    if cycle.phase not in (Phase.draft, Phase.ideas, Phase.development):
        raise WrongPhase(_l("This can change only before voting opens."))
    cycle.paper_double_entry = bool(required)
    record("cycle.paper_double_entry", actor=actor, obj=cycle, data={"required": bool(required)})
    return cycle


def open_batch(*, actor, cycle: Cycle, site: Site, received_on: date, received_count: int) -> PaperBatch:
    """Start a batch: the site, the day and how many paper ballots came in."""
    cycle = lock_cycle(cycle, exclusive=False)  # closing waits, or this sees it closed: no batch left open
    if cycle.phase != Phase.voting:
        raise WrongPhase(_l("Paper ballots can be entered only while voting is open."))
    check_uses_kiosks(cycle)
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


def confirm_received(*, actor, batch: PaperBatch, received_count: int) -> PaperBatch:
    """A second person counts the sheets again; the batch cannot close until the counts agree."""
    _open_batch_cycle(batch)
    if actor.id == batch.opened_by_id:
        raise TwoPersonRule(_l("Another person must count the sheets again."))
    if received_count != batch.received_count:
        raise DomainError(_l("Your count is not the same as the first count. Count the sheets "
                             "again, or cancel this batch and open a new one."))
    batch.received_confirmed_by_id = actor.id
    record("paper.confirm", actor=actor, obj=batch, data={"site": batch.site_id})
    return batch


def add_check_in(*, actor, batch: PaperBatch, name: str, birth_date: date, area: Area,
                 today: date, decision: str | None = None, reason: str | None = None) -> PaperCheckIn:
    """Put one person from the paper event's sign-in list on the shared voter roll.

    The roll is checked as at a kiosk: someone who voted in any channel is refused, and a
    possible match waits for the liaison's decision (PossibleMatch). They are marked as having
    voted on paper at once, so they cannot also vote online or at a kiosk; if the batch is
    cancelled the mark is taken back. No audit event per person: its sequence would publish a
    running count; the close event covers the list.
    """
    cycle = _open_batch_cycle(batch)
    check_uses_kiosks(cycle)
    entry = admit_in_person(actor=actor, cycle=cycle, name=name, birth_date=birth_date, area=area,
                            channel=Channel.paper, today=today, decision=decision, reason=reason)
    if entry is None:
        raise AlreadyVoted(_l("Saved: the same person has already voted, so they cannot be on this list."))
    db.session.add(VoteMark(cycle_id=cycle.id, credential=_credential(entry.id), channel=Channel.paper))
    check_in = PaperCheckIn(batch_id=batch.id, roll_entry_id=entry.id)
    db.session.add(check_in)
    batch.check_ins += 1
    db.session.flush()
    return check_in


def enter_sheet(*, actor, batch: PaperBatch, sheet_no: int, ranking: list[int],
                invalid_reason: str = "") -> PaperEntry:
    """Type in one sheet. Another person typing the same sheet number is the check entry."""
    cycle = _open_batch_cycle(batch)
    check_uses_kiosks(cycle)
    if not 1 <= sheet_no <= batch.received_count:
        raise DomainError(_l("Sheet numbers go from 1 to %(n)d in this batch."), n=batch.received_count)
    reading, invalid_reason = _reading(cycle, ranking, invalid_reason)
    entry = _entry(batch, sheet_no)
    if entry is None:
        if len(batch.entries) >= batch.check_ins:
            raise DomainError(_l("This batch has more sheets than people on its check-in list. "
                                 "Add the people who filled in sheets first."))
        entry = PaperEntry(batch_id=batch.id, sheet_no=sheet_no, entered_by_id=actor.id,
                           ranking=[] if invalid_reason else reading, invalid_reason=invalid_reason)
        db.session.add(entry)
        batch.entries.append(entry)
    elif entry.entered_by_id == actor.id or entry.checked_by_id is not None:
        raise TwoPersonRule(_l("Sheet %(n)d is already entered. A second entry must be made by another liaison."), n=sheet_no)
    else:
        entry.check_ranking, entry.checked_by_id = reading, actor.id
    # Per-sheet audit events would publish a running count of paper ballots; the close event
    # commits to every sheet, its typist and its checker instead.
    db.session.flush()
    return entry


def resolve_sheet(*, actor, batch: PaperBatch, sheet_no: int, ranking: list[int],
                  invalid_reason: str = "") -> PaperEntry:
    """Settle a mismatch by reading the paper again. The resolver must be a third person:
    neither typist may settle a dispute about their own reading. Both readings are kept."""
    cycle = _open_batch_cycle(batch)
    entry = _entry(batch, sheet_no)
    if entry is None or not is_mismatch(entry):
        raise DomainError(_l("Sheet %(n)d has no mismatch to resolve."), n=sheet_no)
    if actor.id in (entry.entered_by_id, entry.checked_by_id):
        raise TwoPersonRule(_l("You typed this sheet, so someone else must settle the mismatch."))
    reading, invalid_reason = _reading(cycle, ranking, invalid_reason)
    entry.disputed = {"first": first_reading(entry), "first_by": entry.entered_by_id,
                      "second": entry.check_ranking, "second_by": entry.checked_by_id}
    entry.ranking = [] if invalid_reason else reading
    entry.invalid_reason = invalid_reason
    entry.check_ranking, entry.resolved_by_id = reading, actor.id
    db.session.flush()
    return entry


def first_reading(entry: PaperEntry) -> list:
    return INVALID if entry.invalid_reason else entry.ranking


def is_mismatch(entry: PaperEntry) -> bool:
    return entry.check_ranking is not None and first_reading(entry) != entry.check_ranking


def reconciliation(batch: PaperBatch) -> dict:
    """The batch's counts for the liaisons typing it (never in public audit data during voting)."""
    cycle = db.session.get(Cycle, batch.cycle_id)
    valid = sum(1 for e in batch.entries if not e.invalid_reason)
    invalid = len(batch.entries) - valid
    mismatches = [e.sheet_no for e in batch.entries if is_mismatch(e)]
    unchecked = [e.sheet_no for e in batch.entries if e.check_ranking is None] if cycle.paper_double_entry else []
    return {"received": batch.received_count, "entered": valid, "invalid": invalid,
            "missing": batch.received_count - valid - invalid, "mismatches": mismatches,
            "unchecked": unchecked, "check_ins": batch.check_ins,
            "confirmed": batch.received_confirmed_by_id is not None,
            "balanced": valid + invalid == batch.received_count and not mismatches and not unchecked}


def close_batch(*, actor, batch: PaperBatch) -> PaperBatch:
    """Put the batch's valid sheets into the ballot box once every rule holds."""
    _open_batch_cycle(batch)
    _check_closable(actor, batch, reconciliation(batch))
    for entry in batch.entries:
        if not entry.invalid_reason:
            store_paper_ballot(cycle_id=batch.cycle_id, ranking=entry.ranking, site_id=batch.site_id)
    db.session.execute(delete(PaperCheckIn).where(PaperCheckIn.batch_id == batch.id))
    batch.closed_at = utcnow()
    record("paper.close", actor=actor, obj=batch,
           data={"site": batch.site_id, "entries_hmac_sha256": entries_digest(batch)})
    return batch


def _check_closable(actor, batch: PaperBatch, totals: dict) -> None:
    if not totals["confirmed"]:
        raise TwoPersonRule(_l("A second person must confirm the number of sheets received."))
    if totals["mismatches"]:
        raise DomainError(_l("Resolve the mismatched sheets before closing the batch."))
    if totals["unchecked"]:
        raise TwoPersonRule(_l("Every sheet must be typed a second time by another person. Not checked yet: %(sheets)s."),
                            sheets=", ".join(map(str, totals["unchecked"])))
    if not totals["balanced"]:
        raise DomainError(_l("This batch does not add up: %(received)d received, %(entered)d entered and %(invalid)d invalid."),
                          received=totals["received"], entered=totals["entered"], invalid=totals["invalid"])
    if batch.received_count > batch.check_ins:
        raise DomainError(_l("This batch has more sheets than people on its check-in list."))
    typists = {e.entered_by_id for e in batch.entries} | {e.checked_by_id for e in batch.entries} \
        | {e.resolved_by_id for e in batch.entries}
    if typists - {None} == {actor.id}:
        raise TwoPersonRule(_l("You typed every sheet, so someone else must close the batch."))


def cancel_batch(*, actor, batch: PaperBatch, reason: str, action: str = "paper.cancel") -> PaperBatch:
    """Set a batch aside with a public reason: none of its sheets go into the box, and the
    people on its check-in list can still vote: their paper marks are taken back, and the roll
    entries the batch made are deleted. Someone who was on the roll before (registered online,
    checked in at a kiosk) keeps their entry, so a voting link they hold stays theirs alone."""
    _lock_batch(batch)
    if not batch.is_open:
        raise DomainError(_l("This batch is already closed or cancelled."))
    reason = " ".join(reason.split())
    if not 3 <= len(reason) <= 300:
        raise DomainError(_l("Give a reason of 3 to 300 characters."))
    roll_ids = list(db.session.scalars(select(PaperCheckIn.roll_entry_id).filter_by(batch_id=batch.id)))
    db.session.execute(delete(PaperCheckIn).where(PaperCheckIn.batch_id == batch.id))
    if roll_ids:
        db.session.execute(delete(VoteMark).where(VoteMark.cycle_id == batch.cycle_id,
                                                  VoteMark.credential.in_([_credential(i) for i in roll_ids])))
        # The batch made exactly its paper-channel entries: an earlier paper entry has voted
        # (admit_in_person refuses it) or went with its own cancelled batch.
        db.session.execute(delete(VoterRollEntry).where(VoterRollEntry.id.in_(roll_ids),
                                                        VoterRollEntry.channel == Channel.paper))
    batch.cancelled_at, batch.cancelled_by_id, batch.cancel_reason = utcnow(), actor.id, reason
    record(action, actor=actor, obj=batch, data={"site": batch.site_id, "reason": reason})
    return batch


def abandon_batch(*, actor, batch: PaperBatch, reason: str) -> PaperBatch:
    """For closing voting: set aside a batch nobody can finish, with a public reason."""
    return cancel_batch(actor=actor, batch=batch, reason=reason, action="paper.abandon")


def entries_digest(batch: PaperBatch) -> str:
    """HMAC-SHA256, keyed with the batch's secret salt, of every sheet as typed and checked.

    Unsalted, the digest of a one-sheet batch was found by trying each possible ranking. The
    key stays on the batch row, so auditors with database access can recompute it
    (`entries_digest_matches`) while nobody outside can test guesses against it.
    """
    rows = [{"sheet": e.sheet_no, "ranking": e.ranking, "invalid": e.invalid_reason,
             "check": e.check_ranking, "entered_by": e.entered_by_id, "checked_by": e.checked_by_id,
             "resolved_by": e.resolved_by_id, "disputed": e.disputed}
            for e in sorted(batch.entries, key=lambda e: e.sheet_no)]
    return hmac.new(bytes.fromhex(batch.digest_salt), canonical_json(rows), hashlib.sha256).hexdigest()


def entries_digest_matches(batch: PaperBatch, published: str) -> bool:
    return hmac.compare_digest(entries_digest(batch), published)


def _reading(cycle: Cycle, ranking: list[int], invalid_reason: str) -> tuple[list, str]:
    invalid_reason = invalid_reason.strip()[:200]
    return (INVALID, invalid_reason) if invalid_reason else (check_ranking(cycle, ranking), "")


def _entry(batch: PaperBatch, sheet_no: int) -> PaperEntry | None:
    return next((e for e in batch.entries if e.sheet_no == sheet_no), None)


def _credential(roll_entry_id: str) -> str:
    return f"roll:{roll_entry_id}"


def _lock_batch(batch: PaperBatch) -> Cycle:
    """Take the locks that keep two closes (or a close and the end of voting) from both seeing
    an open batch: the cycle shared, as a cast takes it, and the batch row exclusive. SQLite's
    write lock at BEGIN already serialises these writers."""
    cycle = lock_cycle(db.session.get(Cycle, batch.cycle_id), exclusive=False)
    db.session.refresh(cycle)  # the phase as it stands once the lock is ours
    # Fetched, not only executed: populate_existing reloads `batch` only for rows it reads.
    db.session.scalars(select(PaperBatch).where(PaperBatch.id == batch.id).with_for_update()
                       .execution_options(populate_existing=True)).one()
    return cycle


def _open_batch_cycle(batch: PaperBatch) -> Cycle:
    cycle = _lock_batch(batch)
    if batch.cancelled_at is not None:
        raise DomainError(_l("This batch was cancelled."))
    if batch.closed_at is not None:
        raise DomainError(_l("This batch is closed."))
    if cycle.phase != Phase.voting:
        raise WrongPhase(_l("Paper ballots can be entered only while voting is open."))
    return cycle
