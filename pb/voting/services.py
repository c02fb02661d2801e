"""The voter roll, credentials and exactly-once casting of secret ballots."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, func, insert, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from pb.audit.services import record
from pb.cycles.models import Area, Cycle
from pb.cycles.queries import lock_cycle
from pb.db import db, random_key, utcnow
from pb.enums import Channel, CodeStatus, Phase, ProjectStatus
from pb.errors import DomainError, WrongPhase
from pb.i18n.labels import VOTED_VIA
from pb.proposals.models import Project
from pb.voting import roll
from pb.voting.models import (
    AccessCode,
    Ballot,
    RollKey,
    RollStatus,
    Tracker,
    VoteMark,
    VoterRollEntry,
)

# No 0/O, 1/I/L: trackers and codes are read aloud and typed from paper.
ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


class AlreadyVoted(DomainError):
    """This credential has already cast its ballot."""


class AlreadyRegistered(DomainError):
    """This person is already on the cycle's voter roll."""


class StillHeld(DomainError):
    """A liaison has not yet decided about this near-match registration."""


@dataclass(frozen=True)
class Match:
    """Someone on the roll who may be the person checking in, and what they did (never how)."""

    entry_id: str
    registered_via: Channel
    voted_via: Channel | None
    status: RollStatus


class PossibleMatch(DomainError):
    """A near match is on the roll: a liaison decides "same" or "different" person first."""

    def __init__(self, matches: list[Match]):
        super().__init__(_l("Possible match: someone with a very similar name and birth date is "
                            "already on the voter roll. Check with the resident, then decide."))
        self.matches = matches


SAME, DIFFERENT = "same", "different"
# Why a liaison decided as they did: a fixed list, so the audit log never holds personal data.
DECISION_REASONS = ("family", "birth_date", "known", "same_details", "other")
MAILBOX_MAX = 4  # a household may share an address; more looks like invented residents
ROLL_LOCK = 0x524F4C4C  # "ROLL": the PostgreSQL advisory-lock namespace for roll writes
INVALID_LINK = _l("This link is not valid or has expired. Please register again or ask a community liaison.")
BIRTH_DATE_PROBLEMS = {
    "future": _l("The date of birth cannot be in the future."),
    "too_old": _l("Check the date of birth: it must be after 1 January 1900 and less than 120 years ago."),
}


def _secret() -> bytes:
    return current_app.config["VOTER_KEY_SECRET"].encode()


def _sha(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def age_on(birth_date: date, day: date) -> int:
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


def check_birth_date(birth_date: date, today: date) -> None:
    """Refuse a birth date before 1900, in the future, or more than 120 years ago."""
    problem = roll.birth_date_problem(birth_date, today)
    if problem:
        raise DomainError(BIRTH_DATE_PROBLEMS[problem])


def _eligible(cycle: Cycle, name: str, birth_date: date, area: Area, today: date) -> roll.Identity:
    if area.cycle_id != cycle.id:
        raise DomainError(_l("Choose an area from the list."))
    check_birth_date(birth_date, today)
    if age_on(birth_date, today) < cycle.min_age:
        raise DomainError(_l("Voters in this cycle must be at least %(age)d years old."), age=cycle.min_age)
    person = roll.identity(name, birth_date)
    if not person.words:
        raise DomainError(_l("Write the full name with letters."))
    return person


def lock_roll(cycle: Cycle) -> None:
    """Serialise the roll writes of one cycle, so two spellings registering at once meet.

    SQLite already queues writers (pb.db); PostgreSQL takes a transaction advisory lock.
    """
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SELECT pg_advisory_xact_lock(:ns, :cycle)"), {"ns": ROLL_LOCK, "cycle": cycle.id})


def find_entry(cycle: Cycle, person: roll.Identity) -> VoterRollEntry | None:
    key = roll.dedup_key(_secret(), cycle.id, person)
    return db.session.scalars(select(VoterRollEntry).filter_by(cycle_id=cycle.id, dedup_key=key)).first()


def voted_via(cycle: Cycle, entry_id: str) -> Channel | None:
    mark = db.session.get(VoteMark, (cycle.id, f"roll:{entry_id}"))
    return mark.channel if mark else None


def near_matches(cycle: Cycle, person: roll.Identity, exclude: str | None = None) -> list[Match]:
    """Entries that share a near-match key with `person`, or have their name and a birth date
    one day off or with day and month swapped (pb.voting.roll)."""
    secret = _secret()
    ids = set(db.session.scalars(select(RollKey.entry_id).where(
        RollKey.cycle_id == cycle.id, RollKey.key.in_(roll.near_keys(secret, cycle.id, person)))))
    neighbours = [roll.dedup_key(secret, cycle.id, roll.Identity(person.words, d))
                  for d in roll.neighbour_dates(person.birth_date)]
    ids |= set(db.session.scalars(select(VoterRollEntry.id).where(
        VoterRollEntry.cycle_id == cycle.id, VoterRollEntry.dedup_key.in_(neighbours))))
    ids.discard(exclude)
    return matches_by_id(cycle, sorted(ids))


def matches_by_id(cycle: Cycle, entry_ids: list[str]) -> list[Match]:
    entries = db.session.scalars(select(VoterRollEntry).where(
        VoterRollEntry.cycle_id == cycle.id, VoterRollEntry.id.in_(entry_ids))).all() if entry_ids else []
    return [Match(e.id, e.channel, voted_via(cycle, e.id), e.status) for e in entries]


def _add_entry(cycle: Cycle, person: roll.Identity, area: Area, channel: Channel, *,
               matches: list[Match] = (), user=None) -> VoterRollEntry:
    """A new roll entry with its near-match keys; held for a liaison if it has near matches."""
    secret = _secret()
    entry = VoterRollEntry(id=random_key(), cycle_id=cycle.id, dedup_key=roll.dedup_key(secret, cycle.id, person),
                           area_id=area.id, channel=channel, user_id=getattr(user, "id", None),
                           status=RollStatus.held if matches else RollStatus.active,
                           held_matches=[m.entry_id for m in matches] or None)
    db.session.add(entry)
    db.session.flush()  # a parallel twin that lost the race fails here: Conflict, not a 500
    db.session.add_all(RollKey(cycle_id=cycle.id, key=key, entry_id=entry.id)
                       for key in roll.near_keys(secret, cycle.id, person))
    db.session.flush()
    return entry


def register_voter(*, cycle: Cycle, name: str, birth_date: date, area: Area, channel: Channel,
                   today: date, user=None) -> VoterRollEntry:
    """Add an attested eligible resident to the roll, refusing a second entry for one person.

    Online, a near match of someone already on the roll is added as held, for a liaison to
    decide; in person, use `admit_in_person`, where the liaison decides on the spot.
    """
    person = _eligible(cycle, name, birth_date, area, today)
    lock_roll(cycle)
    if find_entry(cycle, person) is not None:
        raise AlreadyRegistered(_l("This person is already registered to vote in this cycle."))
    matches = near_matches(cycle, person) if channel == Channel.online else []
    return _add_entry(cycle, person, area, channel, matches=matches, user=user)


def mailbox(email: str) -> str:
    """One mailbox, however it is written: case, "+tags" and Gmail's dots folded."""
    local, _, domain = email.strip().casefold().rpartition("@")
    local = local.split("+", 1)[0]
    if domain in ("gmail.com", "googlemail.com"):
        local, domain = local.replace(".", ""), "gmail.com"
    return f"{local}@{domain}"


def register_online(*, cycle: Cycle, name: str, birth_date: date, area: Area, email: str,
                    today: date, user=None, remind: bool = False, locale: str = "") -> tuple[VoterRollEntry, str]:
    """Self-registration: the roll entry and a fresh one-time token for the emailed link.

    Registering again as the same person before the first link was used sends a new link (to
    a corrected address) and the old one stops working. One mailbox registers at most
    MAILBOX_MAX people per cycle (its keyed hash is kept, not the address). Only someone who
    asks for a reminder before voting closes (`remind`) has the address and `locale` kept, for
    pb.voting.reminders, which forgets them once the reminder is queued or voting closes.
    """
    person = _eligible(cycle, name, birth_date, area, today)
    lock_roll(cycle)
    email_key = hmac.new(_secret(), f"email\x1f{mailbox(email)}".encode(), hashlib.sha256).hexdigest()
    entry = find_entry(cycle, person)
    if entry is None:
        used = db.session.scalar(select(func.count()).select_from(VoterRollEntry).filter_by(
            cycle_id=cycle.id, email_key=email_key))
        if used >= MAILBOX_MAX:
            raise DomainError(_l("This email address has already been used to register %(n)d people. "
                                 "Each person needs their own address, or can vote at a kiosk."), n=MAILBOX_MAX)
        entry = _add_entry(cycle, person, area, Channel.online, matches=near_matches(cycle, person), user=user)
    elif (entry.channel != Channel.online or entry.email_verified or entry.status == RollStatus.refused
          or voted_via(cycle, entry.id)):
        raise AlreadyRegistered(_l("This person is already registered to vote in this cycle."))
    entry.email_key = email_key
    entry.remind_to, entry.remind_locale = (email.strip(), locale) if remind else (None, None)
    return entry, new_voting_link(entry, utcnow() + timedelta(hours=current_app.config["VERIFY_LINK_HOURS"]))


def new_voting_link(entry: VoterRollEntry, expires_at: datetime) -> str:
    """A fresh one-time token for `entry`'s emailed voting link; an older pending one stops working.

    Only its hash is stored. `verify_email` spends it, for a new or an already verified entry.
    """
    token = secrets.token_urlsafe(24)
    entry.verify_hash, entry.verify_expires_at = _sha(token), expires_at
    return token


def admit_in_person(*, actor, cycle: Cycle, name: str, birth_date: date, area: Area, channel: Channel,
                    today: date, decision: str | None = None, reason: str | None = None) -> VoterRollEntry | None:
    """A liaison checks a resident in (kiosk or paper) against the cycle's one roll.

    Who has voted in any channel is refused, and the liaison is told where. A near match raises
    PossibleMatch until the liaison decides: "same" person (None if that person voted, else
    they continue as that entry) or "different" (a new entry). The decision and a listed
    reason, with no personal data, go to the audit log.
    """
    person = _eligible(cycle, name, birth_date, area, today)
    lock_roll(cycle)
    entry = find_entry(cycle, person)
    if entry is not None and (via := voted_via(cycle, entry.id)):
        raise AlreadyVoted(_l("This person has already voted in this cycle (%(channel)s)."), channel=VOTED_VIA[via])
    if entry is not None and entry.status == RollStatus.active:
        return entry
    matches = near_matches(cycle, person, exclude=getattr(entry, "id", None))
    if matches:
        if decision not in (SAME, DIFFERENT) or reason not in DECISION_REASONS:
            raise PossibleMatch(matches)
        record("roll.decide", actor=actor, obj=cycle, data={"decision": decision, "reason": reason,
                                                            "channel": str(channel)})
        if decision == SAME:
            if entry is not None:
                entry.status = RollStatus.refused
            if any(m.voted_via for m in matches):
                return None
            entry = db.session.get(VoterRollEntry, matches[0].entry_id)
    if entry is None:
        return _add_entry(cycle, person, area, channel)
    entry.status = RollStatus.active
    return entry


def decide_held(*, actor, cycle: Cycle, entry_id: str, decision: str, reason: str) -> VoterRollEntry:
    """A liaison or staff member settles an online registration held as a near match."""
    lock_roll(cycle)
    entry = db.session.scalars(select(VoterRollEntry).filter_by(id=entry_id, cycle_id=cycle.id)
                               .execution_options(populate_existing=True)).first()
    if entry is None or entry.status != RollStatus.held:
        raise DomainError(_l("This registration is no longer waiting for a decision."))
    if decision not in (SAME, DIFFERENT) or reason not in DECISION_REASONS:
        raise DomainError(_l("Choose a decision and a reason."))
    entry.status = RollStatus.refused if decision == SAME else RollStatus.active
    record("roll.decide", actor=actor, obj=cycle, data={"decision": decision, "reason": reason,
                                                        "channel": str(Channel.online)})
    return entry


def held_registrations(cycle: Cycle) -> list[tuple[VoterRollEntry, list[Match]]]:
    """Registrations waiting for a liaison, oldest first, each with the entries it resembles."""
    entries = db.session.scalars(select(VoterRollEntry).filter_by(cycle_id=cycle.id, status=RollStatus.held)
                                 .order_by(VoterRollEntry.created_at)).all()
    return [(e, matches_by_id(cycle, e.held_matches or [])) for e in entries]


SEPARATORS = " \t-\u2010\u2011\u2012\u2013\u2014"  # spaces and dashes people type between groups


def bare_code(typed: str) -> str:
    """An access code or tracker as typed, without its separators and in capitals:
    "abcd efgh–jkmn" → "ABCDEFGHJKMN"."""
    return "".join(c for c in typed.upper() if c not in SEPARATORS)


def _code_hash(code: str) -> str:
    return hashlib.sha256(bare_code(code).encode()).hexdigest()


def issue_access_codes(*, actor, cycle: Cycle, count: int, batch: str) -> list[str]:
    """Create `count` single-use codes; the plain codes are returned once and never stored."""
    if not 1 <= count <= 10_000:
        raise DomainError(_l("Issue between 1 and 10,000 codes at a time."))
    codes = [new_code() for _ in range(count)]
    db.session.add_all(AccessCode(cycle_id=cycle.id, code_hash=_code_hash(c), batch=batch)
                       for c in codes)
    record("codes.issue", actor=actor, obj=cycle, data={"count": count, "batch": batch})
    return codes


# Statements of every cast, built once and run with bound values (SQLAlchemy otherwise builds
# each statement and its cache key again, which costs about as much as running it).
_CODE_BY_HASH = select(AccessCode).where(AccessCode.cycle_id == bindparam("cycle_id"),
                                         AccessCode.code_hash == bindparam("code_hash"))
_USE_CODE = update(AccessCode).where(AccessCode.id == bindparam("code_id"),
                                     AccessCode.status == CodeStatus.unused).values(status=CodeStatus.used)


def _code_row(cycle: Cycle, code: str) -> AccessCode:
    if len(code) > 40:
        raise DomainError(_l("This access code is not valid."))
    row = db.session.scalars(_CODE_BY_HASH, {"cycle_id": cycle.id, "code_hash": _code_hash(code)}).first()
    if row is None or row.status == CodeStatus.voided or row.batch_voided:
        raise DomainError(_l("This access code is not valid."))
    return row


def check_access_code(cycle: Cycle, code: str) -> str:
    """The credential of an anonymous access code.

    A used code gets the same answer as an unused one: only casting with it tells, and only
    the person casting, that it was used (the vote mark refuses a second ballot).
    """
    return f"code:{_code_row(cycle, code).id}"


def claim_personal_code(*, cycle: Cycle, code: str, name: str, birth_date: date, area: Area,
                        today: date) -> str | None:
    """A personal code's holder names themselves; returns the credential to cast with, or None
    while a liaison checks a near match of someone on the roll (the entry is "held").

    The credential names both the person and the code presented (`personal_credential`): the
    cast marks the person as having voted and uses up that code, so one code is one ballot and
    one person is one ballot, and no claim can tie a code to someone else's entry.
    The answer tells nothing to someone trying codes or names: a used code goes through the
    same steps and gets the same answer as an unused one (only its cast is refused), and a
    person who has voted gets a ballot too; only the cast says so.
    """
    row = _code_row(cycle, code)
    person = _eligible(cycle, name, birth_date, area, today)
    lock_roll(cycle)
    entry = find_entry(cycle, person)
    if entry is None:
        entry = _add_entry(cycle, person, area, Channel.online, matches=near_matches(cycle, person))
    if entry.status == RollStatus.refused:
        raise DomainError(_l("This person was not accepted on the voter roll because they look like someone "
                             "who is already on it. A community liaison at a kiosk can help."))
    if entry.status != RollStatus.active:
        return None
    return personal_credential(entry.id, row.id)


def personal_credential(entry_id: str, code_id: str) -> str:
    """"roll:<entry>+code:<code>": the vote mark is the person's, and the code is used up too."""
    return f"roll:{entry_id}+code:{code_id}"


def person_of(credential: str) -> str:
    """The credential the vote mark is keyed by: the person's, for a personal code's credential."""
    return credential.partition("+")[0]


def void_batch(*, actor, cycle: Cycle, batch: str) -> int:
    """Void every unused code of a batch (a lost or stolen sheet); returns how many.

    Every code of the batch is refused from now on, used ones too: otherwise whoever holds the
    sheet could try each code and count those that still lead to a ballot (the used ones).
    """
    in_batch = (AccessCode.cycle_id == cycle.id, AccessCode.batch == batch)
    if not db.session.execute(update(AccessCode).where(*in_batch).values(batch_voided=True)).rowcount:
        raise DomainError(_l("There is no batch with this name."))
    voided = db.session.execute(update(AccessCode).where(*in_batch, AccessCode.status == CodeStatus.unused)
                                .values(status=CodeStatus.voided)).rowcount
    # No count in the public event: issued minus voided would be the number of codes used.
    record("codes.void", actor=actor, obj=cycle, data={"batch": batch})
    return voided


def _use_up(credential: str) -> None:
    """An access code becomes used in the casting transaction, so a failed cast keeps it valid;
    a roll entry must still be on the roll. The update is conditional, so two casts racing for
    one code on PostgreSQL cannot both use it."""
    for part in credential.split("+"):
        kind, _, ident = part.partition(":")
        if kind == "roll":
            entry = db.session.get(VoterRollEntry, ident, populate_existing=True)
            if entry is None or entry.status != RollStatus.active:  # taken off the roll since (a liaison's decision)
                raise DomainError(_l("This registration is no longer on the voter roll, so this ballot was not "
                                     "stored. A community liaison can help."))
        elif kind == "code":
            used = db.session.execute(_USE_CODE, {"code_id": ident}).rowcount
            if used != 1:
                row = db.session.get(AccessCode, ident, populate_existing=True)
                if row is None or row.status == CodeStatus.voided or row.batch_voided:  # voided since it was entered
                    raise DomainError(_l("This access code is not valid."))
                raise AlreadyVoted(_l("This access code has already been used to vote."))


def check_ranking(cycle: Cycle, ranking: list[int], on_ballot: Collection[int] | None = None) -> list[int]:
    """Refuse an empty, over-long, repeating or unknown ranking. `on_ballot`: the ballot's
    project ids, if the caller read them while voting was open (the ballot is frozen then)."""
    if not ranking:
        raise DomainError(_l("Rank at least one project."))
    if len(ranking) > cycle.max_ranks:
        raise DomainError(_l("You can rank at most %(k)d projects."), k=cycle.max_ranks)
    if len(set(ranking)) != len(ranking):
        raise DomainError(_l("Each project can be ranked only once."))
    if on_ballot is None:
        on_ballot = set(db.session.scalars(select(Project.id).filter_by(cycle_id=cycle.id, status=ProjectStatus.ready)))
    if not set(ranking) <= set(on_ballot):
        raise DomainError(_l("Your ranking names a project that is not on this ballot."))
    return list(ranking)


def cast_ballot(*, cycle: Cycle, credential: str, ranking: list[int], channel: Channel,
                locale: str, site_id: int | None = None, tracker: str | None = None,
                on_ballot: Collection[int] | None = None) -> str:
    """Store one secret ballot for `credential` and return its tracker.

    The vote mark and the ballot are written in the caller's transaction; the mark's primary
    key makes a second ballot for the same credential fail here, whichever request is first.
    `tracker` is one the online ballot chose when it showed the review page (see
    pb.voting.views._pending), so a double tap can be shown the tracker the first tap stored.
    `on_ballot`: see `check_ranking`.
    """
    lock_cycle(cycle, exclusive=False)  # closing waits for this ballot, or this one sees it closed
    if cycle.phase != Phase.voting:
        raise WrongPhase(_l("Voting has closed, so this ballot was not stored. Your code or "
                            "registration was not used."))
    ranking = check_ranking(cycle, ranking, on_ballot)
    # ON CONFLICT DO NOTHING: a second cast (or one waiting for a parallel first to commit)
    # inserts nothing, without a savepoint to roll back to.
    marked = db.session.connection().execute(_mark_statement(db.engine.dialect.name), {
        "cycle_id": cycle.id, "credential": person_of(credential), "channel": channel}).first()
    if marked is None:
        raise AlreadyVoted(_l("A ballot has already been cast with this credential."))
    _use_up(credential)
    return _store(cycle.id, ranking, channel, locale, site_id, tracker)


@cache
def _mark_statement(dialect: str):
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    return (insert(VoteMark).values(cycle_id=bindparam("cycle_id"), credential=bindparam("credential"),
                                    channel=bindparam("channel"))
            .on_conflict_do_nothing().returning(VoteMark.credential))  # a row back only when inserted


def store_paper_ballot(*, cycle_id: int, ranking: list[int], site_id: int) -> str:
    """A checked paper ballot from a reconciled batch (its voters were checked on paper).

    Like a cast, it takes the cycle lock and lands in the box only while voting is open.
    """
    cycle = db.session.get(Cycle, cycle_id)
    lock_cycle(cycle, exclusive=False)
    if cycle.phase != Phase.voting:
        raise WrongPhase(_l("Voting has closed, so these paper ballots can no longer go in the box."))
    return _store(cycle_id, ranking, Channel.paper, "", site_id)


def _store(cycle_id: int, ranking: list[int], channel: Channel, locale: str, site_id: int | None,
           tracker: str | None = None) -> str:
    tracker = tracker or new_code()
    # Two plain INSERTs (nothing reads these rows back as objects): the ORM's flush of two new
    # objects cost more than the rest of the cast.
    connection = db.session.connection()
    connection.execute(_INSERT_BALLOT, {"id": random_key(), "cycle_id": cycle_id, "ranking": list(ranking),
                                        "channel": channel, "site_id": site_id, "locale": locale})
    connection.execute(_INSERT_TRACKER, {"cycle_id": cycle_id, "code": tracker})
    return tracker


_INSERT_BALLOT = insert(Ballot)
_INSERT_TRACKER = insert(Tracker)


def new_code() -> str:
    """12 unambiguous characters in three groups (about 59 bits), for trackers and codes."""
    return "-".join("".join(secrets.choice(ALPHABET) for _ in range(4)) for _ in range(3))


def has_voted(cycle: Cycle, credential: str) -> bool:
    return db.session.get(VoteMark, (cycle.id, credential)) is not None


def check_voting_link(*, cycle: Cycle, token: str) -> VoterRollEntry:
    """The roll entry an emailed voting link opens, if it still works; nothing is spent (the
    page that opening the link shows has a button, so a mail scanner's visit uses nothing).

    A held registration keeps its link (it works once a liaison accepts it); a refused one is told so.
    """
    if not 16 <= len(token) <= 64:
        raise DomainError(INVALID_LINK)
    token_hash = _sha(token)
    entry = db.session.scalars(select(VoterRollEntry).filter_by(cycle_id=cycle.id, verify_hash=token_hash)).first()
    if entry is None or entry.verify_expires_at < utcnow():
        raise DomainError(INVALID_LINK)
    if entry.status == RollStatus.held:
        raise StillHeld(_l("A community liaison is still checking this registration. Please use the "
                           "same link again later, or vote at a kiosk."))
    if entry.status == RollStatus.refused:
        raise DomainError(_l("This registration was not accepted: it looks like a person who is already "
                             "on the voter roll. A community liaison at a kiosk can help."))
    return entry


def verify_email(*, cycle: Cycle, token: str) -> VoterRollEntry:
    """Spend a one-time verification link: the entry's email is verified and the link is dead.
    The reminder's fresh link (pb.voting.reminders) spends the same way for an entry verified before.
    """
    entry = check_voting_link(cycle=cycle, token=token)
    token_hash = _sha(token)
    spent = db.session.execute(update(VoterRollEntry).where(
        VoterRollEntry.id == entry.id, VoterRollEntry.verify_hash == token_hash)
        .values(verify_hash=None, email_verified=True)).rowcount
    if spent != 1:  # a parallel click spent it first
        raise DomainError(INVALID_LINK)
    return entry


def set_credentials(*, actor, cycle: Cycle, access_codes: bool, registration: bool,
                    personal_codes: bool | None = None) -> Cycle:
    """Choose which online credentials the cycle accepts (before voting closes), and whether
    access codes are anonymous or personal (only before voting opens: the codes used so far
    would otherwise be on the roll or not depending on when they were used)."""
    if cycle.phase not in (Phase.draft, Phase.ideas, Phase.development, Phase.voting):
        raise WrongPhase(_l("Voting has closed; its settings can no longer change."))
    if personal_codes is not None and personal_codes != cycle.personal_access_codes:
        if cycle.phase == Phase.voting:
            raise WrongPhase(_l("Whether access codes are personal can change only before voting opens."))
        cycle.personal_access_codes = personal_codes
    cycle.allow_access_codes, cycle.allow_registration = access_codes, registration
    record("cycle.credentials", actor=actor, obj=cycle,
           data={"access_codes": access_codes, "registration": registration,
                 "personal_codes": cycle.personal_access_codes})
    return cycle
