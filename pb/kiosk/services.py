"""Kiosk sessions run by liaisons: open, check residents in, count casts, close."""

from __future__ import annotations

import hashlib
from datetime import date
from itertools import pairwise

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from pb.accounts.services import HASH_METHOD
from pb.audit.services import record
from pb.cycles.models import Area, Cycle
from pb.cycles.queries import lock_cycle
from pb.db import db, utcnow
from pb.enums import Channel, Phase
from pb.errors import DomainError, NotAllowed, WrongPhase
from pb.kiosk.models import KioskSession, Site
from pb.kiosk.queries import open_kiosk_sessions, open_or_unreconciled_batches
from pb.voting.services import admit_in_person, cast_ballot


def device_hash(device_token: str) -> str:
    return hashlib.sha256(device_token.encode()).hexdigest()


def check_uses_kiosks(cycle: Cycle) -> None:
    """Kiosks and paper batches only where staff turned them on for the cycle."""
    if not cycle.use_kiosks:
        raise NotAllowed(_l("This cycle does not use kiosks or paper ballots. Staff can turn them on "
                            "in the cycle's settings."))


def check_kiosks_may_stop(cycle: Cycle) -> None:
    """Kiosks and paper can be turned off only with none open (their ballots would be stuck)."""
    if open_kiosk_sessions(cycle) or open_or_unreconciled_batches(cycle):
        raise DomainError(_l("Close or abandon every open kiosk and paper batch before turning kiosks off."))


# Wrong check-in PINs in one shift after which the kiosk takes no check-in until its liaison
# leaves kiosk mode (with their password) and opens the kiosk again with a new PIN. Counted over
# the shift, not in a row: someone guessing between two real check-ins still gets only these.
PIN_TRIES = 10


class WeakPin(DomainError):
    """The PIN chosen for a shift is not 4 to 8 digits, or is too easy to guess."""


# PINs near the top of published lists of the most used ones that the rules below do not catch:
# lines down the keypad, words spelled on it, and favourites.
COMMON_PINS = frozenset({"2580", "0852", "1470", "0741", "3690", "0963", "1379", "1397", "5683", "1004",
                         "6969", "0007", "4321", "1342", "2468", "1357", "0101", "1212", "7777"})


def guessable(pin: str) -> bool:
    """A PIN a resident would try first: one digit repeated, a run up or down (1234, 9876), a
    repeated pair (1212, 1122), a year (1900 to 2099) or one of COMMON_PINS."""
    steps = {int(b) - int(a) for a, b in pairwise(pin)}
    return (steps in ({0}, {1}, {-1}) or pin in COMMON_PINS
            or (len(set(pin[0::2])) == 1 and len(set(pin[1::2])) == 1)
            or (len(pin) == 4 and (pin[0] == pin[1] and pin[2] == pin[3] or 1900 <= int(pin) <= 2099)))


def check_new_pin(pin: str) -> None:
    """A shift's PIN: 4 to 8 digits, not one a resident would try first."""
    if not (pin.isascii() and pin.isdigit() and 4 <= len(pin) <= 8):
        raise WeakPin(_l("The PIN must be 4 to 8 digits."))
    if guessable(pin):
        raise WeakPin(_l("This PIN is too easy to guess. Do not use a year, a pattern or the same digits "
                         "again. Try 6 digits."))


def open_session(*, actor, cycle: Cycle, site: Site, device_token: str, pin: str) -> KioskSession:
    """Start a liaison's kiosk shift at a site, on this device, with the PIN that every
    check-in on it needs (a resident left alone with the device cannot check anyone in)."""
    cycle = lock_cycle(cycle, exclusive=False)  # closing waits, or this sees it closed: no kiosk left open
    if cycle.phase != Phase.voting:
        raise WrongPhase(_l("Voting is not open in this cycle."))
    check_uses_kiosks(cycle)
    if site.cycle_id != cycle.id:
        raise DomainError(_l("Choose a site from the list."))
    check_new_pin(pin)
    kiosk = KioskSession(cycle_id=cycle.id, site_id=site.id, liaison_id=actor.id,
                         device_hash=device_hash(device_token),
                         pin_hash=generate_password_hash(pin, method=HASH_METHOD))
    db.session.add(kiosk)
    record("kiosk.open", actor=actor, obj=kiosk, data={"site": site.id})
    return kiosk


def pin_locked(kiosk: KioskSession) -> bool:
    return kiosk.pin_failures >= PIN_TRIES


def check_pin(*, actor, kiosk: KioskSession, pin: str) -> bool:
    """Whether `pin` is this shift's check-in PIN. A wrong one is counted, and after PIN_TRIES
    wrong ones in the shift none is accepted any more.

    The kiosk row is locked while it is checked, so parallel guesses cannot pass the limit.
    """
    db.session.scalars(select(KioskSession).where(KioskSession.id == kiosk.id).with_for_update()
                       .execution_options(populate_existing=True)).one()
    if kiosk.closed_at is not None or pin_locked(kiosk):
        return False
    if check_password_hash(kiosk.pin_hash, pin):
        return True
    kiosk.pin_failures += 1  # counted like failed sign-ins: only the lock is an audit event
    if pin_locked(kiosk):
        record("kiosk.pin_lock", actor=actor, obj=kiosk, data={"site": kiosk.site_id})
    return False


def check_in(*, actor, kiosk: KioskSession, name: str, birth_date: date, area: Area, today: date,
             decision: str | None = None, reason: str | None = None) -> str | None:
    """The credential for an attested resident, from the shared roll (added if new).

    A resident on the roll who has not voted may vote here; one who has voted in any channel is
    refused and the liaison is told where. A near match raises PossibleMatch until the liaison
    decides; None means they decided it is a person who already voted (recorded, no ballot).
    """
    cycle = db.session.get(Cycle, kiosk.cycle_id)
    if cycle.phase != Phase.voting or kiosk.closed_at is not None:
        raise WrongPhase(_l("This kiosk session is closed."))
    check_uses_kiosks(cycle)
    entry = admit_in_person(actor=actor, cycle=cycle, name=name, birth_date=birth_date, area=area,
                            channel=Channel.kiosk, today=today, decision=decision, reason=reason)
    if entry is None:
        return None
    kiosk.check_ins = KioskSession.check_ins + 1  # in SQL: two tabs of one kiosk lose no count
    return f"roll:{entry.id}"


def cast_at_kiosk(*, kiosk: KioskSession, credential: str, ranking: list[int], locale: str) -> str:
    """Cast a kiosk ballot: it records the channel and site, not the liaison and not the time."""
    cycle = db.session.get(Cycle, kiosk.cycle_id)
    check_uses_kiosks(cycle)
    tracker = cast_ballot(cycle=cycle, credential=credential, ranking=ranking,
                          channel=Channel.kiosk, locale=locale, site_id=kiosk.site_id)
    kiosk.ballots_cast = KioskSession.ballots_cast + 1
    return tracker


def close_session(*, actor, kiosk: KioskSession) -> KioskSession:
    """End the shift. Its check-in and ballot numbers stay on the session row for the staff
    participation page after voting; the public audit event carries no count, because no count
    may be public while voting is open."""
    if kiosk.closed_at is None:
        kiosk.closed_at = utcnow()
        record("kiosk.close", actor=actor, obj=kiosk, data={"site": kiosk.site_id})
    return kiosk


def close_abandoned_kiosk(*, actor, kiosk: KioskSession, reason: str) -> KioskSession:
    """Close a kiosk its liaison left open (for closing voting), with a public reason."""
    reason = " ".join(reason.split())
    if not 3 <= len(reason) <= 300:
        raise DomainError(_l("Give a reason of 3 to 300 characters."))
    if kiosk.closed_at is None:
        kiosk.closed_at = utcnow()
        record("kiosk.abandon", actor=actor, obj=kiosk, data={"site": kiosk.site_id, "reason": reason})
    return kiosk


def add_site(*, actor, cycle: Cycle, name: str, area: Area | None = None) -> Site:
    """A clinic, library or event where liaisons run kiosks and collect paper ballots."""
    name = name.strip()
    if not name or len(name) > 120:
        raise DomainError(_l("Give the site a name of up to 120 characters."))
    if db.session.scalar(select(Site.id).filter_by(cycle_id=cycle.id, name=name)):
        raise DomainError(_l("This cycle already has a site with this name."))
    site = Site(cycle_id=cycle.id, name=name, area_id=getattr(area, "id", None))
    db.session.add(site)
    record("site.add", actor=actor, obj=site, data={"name": name})
    return site
