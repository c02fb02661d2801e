"""Move a cycle through its phases; count and publish its result."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from pb.audit.services import record
from pb.cycles.models import Cycle
from pb.cycles.queries import lock_cycle
from pb.db import db
from pb.enums import Phase
from pb.errors import DomainError, WrongPhase
from pb.kiosk.queries import open_kiosk_sessions, open_or_unreconciled_batches
from pb.lifecycle import announcements, readiness
from pb.notifications import notify
from pb.proposals.queries import ballot_projects
from pb.results import services as results
from pb.results.models import TallySnapshot
from pb.results.verify import freeze_ballot
from pb.survey.services import seal_survey
from pb.transaction import after_commit
from pb.voting.seal import compact_storage, seal_box


def advance(*, actor, cycle: Cycle, current: Phase, acknowledge_full_funding: bool = False) -> Cycle:
    """Move the cycle to the phase after `current`.

    `current` is what the staff member saw when they pressed the button, so a double click
    or two staff acting at once cannot skip a phase. Publication is its own step
    (`publish_result`): the count decides when a cycle leaves counting. Voting opens only
    when the readiness checklist passes, and, if the ready projects fit in the budget, only
    once staff acknowledge that the vote cannot change the outcome.
    """
    lock_cycle(cycle, exclusive=True)
    if cycle.phase != current:
        raise WrongPhase(_l("This cycle has already moved on; reload the page."))
    if cycle.phase.next is None:
        raise WrongPhase(_l("This cycle is in its last phase."))
    if cycle.phase == Phase.tallying:
        raise WrongPhase(_l("Count the votes and have a second staff member publish the result."))
    if cycle.phase.next == Phase.voting:
        _check_ready_for_voting(cycle, acknowledged=acknowledge_full_funding)
        freeze_ballot(actor=actor, cycle=cycle)  # the chain keeps the ballot as voters see it
    if cycle.phase == Phase.voting:
        _close_voting(actor=actor, cycle=cycle)
    _move(actor=actor, cycle=cycle, to=cycle.phase.next)
    if cycle.phase == Phase.voting:
        announcements.voting_opened(cycle)  # to those who took part and asked, with this change
    return cycle


def _check_ready_for_voting(cycle: Cycle, *, acknowledged: bool) -> None:
    """Refuse to open voting while any readiness item fails (pb.lifecycle.readiness)."""
    failing = readiness.blocking(readiness.readiness(cycle), acknowledged=acknowledged)
    if failing:
        raise NotReady(_l("Voting cannot open yet: %(items)s"), items=" ".join(str(i) for i in failing))


class NotReady(DomainError):
    """The readiness checklist has a problem, or a warning nobody acknowledged."""


def _close_voting(*, actor, cycle: Cycle) -> None:
    """Seal the box in the transaction that ends voting, under the lock every cast takes.

    Open kiosks and unfinished paper batches must be closed or abandoned (with a public
    reason) first, so no sheet is silently left out of the box.
    """
    if open_kiosk_sessions(cycle) or open_or_unreconciled_batches(cycle):
        raise DomainError(_l("Close or abandon every open kiosk and paper batch before voting closes."))
    seal_box(actor=actor, cycle=cycle)
    seal_survey(actor=actor, cycle=cycle)  # survey answers and day counts are shuffled with the box
    after_commit(compact_storage)


def count_votes(*, actor, cycle: Cycle, reason: str = "") -> TallySnapshot:
    """Count the sealed box with the cycle's published rule (a provisional result).

    Under the cycle lock, exclusive like publication's: a count racing a sign-off either sees
    the published result (and needs a public reason) or is counted before it.
    """
    return results.run_tally(actor=actor, cycle=lock_cycle(cycle, exclusive=True), reason=reason)


def publish_result(*, actor, snapshot: TallySnapshot) -> TallySnapshot:
    """A second staff member signs the count off; the first publication ends counting."""
    cycle = lock_cycle(db.session.get(Cycle, snapshot.cycle_id), exclusive=True)
    db.session.refresh(snapshot)  # read under the lock: a recount may have superseded it meanwhile
    results.sign_off(actor=actor, snapshot=snapshot)
    if cycle.phase == Phase.tallying:
        _move(actor=actor, cycle=cycle, to=Phase.results)
    # Funded or not, with the results link; a correction that changes the result tells again.
    notify.result_published(cycle=cycle, projects=ballot_projects(cycle), result_key=snapshot.result_sha256,
                            winners=set(snapshot.result["winners"]))
    return snapshot


def _move(*, actor, cycle: Cycle, to: Phase) -> Cycle:
    before, cycle.phase = cycle.phase, to
    record("cycle.advance", actor=actor, obj=cycle, data={"from": str(before), "to": str(to)})
    return cycle
