"""The voter roll, credentials and exactly-once casting of secret ballots."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import unicodedata
from datetime import date

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from pb.audit.services import record
from pb.cycles.models import Area, Cycle
from pb.db import db
from pb.enums import Channel, CodeStatus, Phase, ProjectStatus
from pb.errors import DomainError, WrongPhase
from pb.proposals.models import Project
from pb.voting.models import AccessCode, Ballot, VoteMark, VoterRollEntry

# No 0/O, 1/I/L: trackers and codes are read aloud and typed from paper.
ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


class AlreadyVoted(DomainError):
    """This credential has already cast its ballot."""


class AlreadyRegistered(DomainError):
    """This person is already on the cycle's voter roll."""


def _normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold()
    return " ".join(text.split())


def dedup_key(*, name: str, birth_date: date, area_slug: str) -> str:
    """Keyed hash of normalised name, birth date and area: same person, same key, no raw data."""
    secret = current_app.config["VOTER_KEY_SECRET"].encode()
    message = "\x1f".join((_normalise(name), birth_date.isoformat(), area_slug)).encode()
    return hmac.new(secret, message, hashlib.sha256).hexdigest()


def age_on(birth_date: date, day: date) -> int:
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


def register_voter(*, cycle: Cycle, name: str, birth_date: date, area: Area, channel: Channel,
                   today: date, user=None) -> VoterRollEntry:
    """Add an attested eligible resident to the roll, refusing a second entry for one person."""
    if area.cycle_id != cycle.id:
        raise DomainError(_l("Choose an area from the list."))
    if age_on(birth_date, today) < cycle.min_age:
        raise DomainError(_l("Voters in this cycle must be at least %(age)d years old."), age=cycle.min_age)
    key = dedup_key(name=name, birth_date=birth_date, area_slug=area.slug)
    if db.session.scalar(select(VoterRollEntry.id).filter_by(cycle_id=cycle.id, dedup_key=key)):
        raise AlreadyRegistered(_l("This person is already registered to vote in this cycle."))
    entry = VoterRollEntry(cycle_id=cycle.id, dedup_key=key, area_id=area.id, channel=channel,
                           user_id=getattr(user, "id", None))
    db.session.add(entry)
    db.session.flush()
    return entry


def _code_hash(code: str) -> str:
    return hashlib.sha256(code.replace("-", "").strip().upper().encode()).hexdigest()


def issue_access_codes(*, actor, cycle: Cycle, count: int, batch: str) -> list[str]:
    """Create `count` single-use codes; the plain codes are returned once and never stored."""
    if not 1 <= count <= 10_000:
        raise DomainError(_l("Issue between 1 and 10,000 codes at a time."))
    codes = [new_code() for _ in range(count)]
    db.session.add_all(AccessCode(cycle_id=cycle.id, code_hash=_code_hash(c), batch=batch)
                       for c in codes)
    record("codes.issue", actor=actor, obj=cycle, data={"count": count, "batch": batch})
    return codes


def check_access_code(cycle: Cycle, code: str) -> str:
    """The credential of a valid, unused access code (it is used up when the ballot is cast)."""
    if len(code) > 40:
        raise DomainError(_l("This access code is not valid."))
    row = db.session.scalars(select(AccessCode).filter_by(cycle_id=cycle.id, code_hash=_code_hash(code))).first()
    if row is None or row.status == CodeStatus.voided:
        raise DomainError(_l("This access code is not valid."))
    if row.status == CodeStatus.used:
        raise AlreadyVoted(_l("This access code has already been used to vote."))
    return f"code:{row.id}"


def void_batch(*, actor, cycle: Cycle, batch: str) -> int:
    """Void every unused code of a batch (a lost or stolen sheet); returns how many."""
    codes = db.session.scalars(select(AccessCode).filter_by(
        cycle_id=cycle.id, batch=batch, status=CodeStatus.unused)).all()
    if not codes and not db.session.scalar(select(AccessCode.id).filter_by(cycle_id=cycle.id, batch=batch)):
        raise DomainError(_l("There is no batch with this name."))
    for code in codes:
        code.status = CodeStatus.voided
    record("codes.void", actor=actor, obj=cycle, data={"batch": batch, "count": len(codes)})
    return len(codes)


def _use_up(credential: str) -> None:
    """An access code becomes used in the casting transaction, so a failed cast keeps it valid."""
    kind, _, ident = credential.partition(":")
    if kind == "code":
        code = db.session.get(AccessCode, int(ident))
        if code is None or code.status != CodeStatus.unused:
            raise AlreadyVoted(_l("This access code has already been used to vote."))
        code.status = CodeStatus.used


def check_ranking(cycle: Cycle, ranking: list[int]) -> list[int]:
    """Refuse an empty, over-long, repeating or unknown ranking."""
    if not ranking:
        raise DomainError(_l("Rank at least one project."))
    if len(ranking) > cycle.max_ranks:
        raise DomainError(_l("You can rank at most %(k)d projects."), k=cycle.max_ranks)
    if len(set(ranking)) != len(ranking):
        raise DomainError(_l("Each project can be ranked only once."))
    on_ballot = set(db.session.scalars(select(Project.id).filter_by(
        cycle_id=cycle.id, status=ProjectStatus.ready)))
    if not set(ranking) <= on_ballot:
        raise DomainError(_l("Your ranking names a project that is not on this ballot."))
    return list(ranking)


def cast_ballot(*, cycle: Cycle, credential: str, ranking: list[int], channel: Channel,
                locale: str, site_id: int | None = None) -> str:
    """Store one secret ballot for `credential` and return its tracker.

    The vote mark and the ballot are written in the caller's transaction; the mark's primary
    key makes a second ballot for the same credential fail here, whichever request is first.
    """
    if cycle.phase != Phase.voting:
        raise WrongPhase(_l("Voting is not open in this cycle."))
    ranking = check_ranking(cycle, ranking)
    try:
        with db.session.begin_nested():
            db.session.add(VoteMark(cycle_id=cycle.id, credential=credential, channel=channel))
    except IntegrityError:
        raise AlreadyVoted(_l("A ballot has already been cast with this credential.")) from None
    _use_up(credential)
    return _store(cycle.id, ranking, channel, locale, site_id)


def store_paper_ballot(*, cycle_id: int, ranking: list[int], site_id: int) -> str:
    """A checked paper ballot from a reconciled batch (its voters were checked on paper)."""
    return _store(cycle_id, ranking, Channel.paper, "", site_id)


def _store(cycle_id: int, ranking: list[int], channel: Channel, locale: str, site_id: int | None) -> str:
    tracker = new_code()
    db.session.add(Ballot(cycle_id=cycle_id, ranking=list(ranking), channel=channel, site_id=site_id,
                          locale=locale, tracker=tracker))
    db.session.flush()
    return tracker


def new_code() -> str:
    """12 unambiguous characters in three groups (about 59 bits), for trackers and codes."""
    return "-".join("".join(secrets.choice(ALPHABET) for _ in range(4)) for _ in range(3))


def has_voted(cycle: Cycle, credential: str) -> bool:
    return db.session.get(VoteMark, (cycle.id, credential)) is not None


def verify_email(*, cycle: Cycle, roll_id: int) -> VoterRollEntry:
    """Mark a roll entry's email as verified (following the link twice is harmless)."""
    entry = db.session.get(VoterRollEntry, roll_id)
    if entry is None or entry.cycle_id != cycle.id:
        raise DomainError(_l("This link is not valid."))
    entry.email_verified = True
    return entry


def set_credentials(*, actor, cycle: Cycle, access_codes: bool, registration: bool) -> Cycle:
    """Choose which online credentials the cycle accepts (before voting closes)."""
    if cycle.phase not in (Phase.draft, Phase.ideas, Phase.development, Phase.voting):
        raise WrongPhase(_l("Voting has closed; its settings can no longer change."))
    cycle.allow_access_codes, cycle.allow_registration = access_codes, registration
    record("cycle.credentials", actor=actor, obj=cycle,
           data={"access_codes": access_codes, "registration": registration})
    return cycle
