"""One reminder before voting closes, for online registrants who asked for it and have not voted.

Registering online, a person may tick "Email me once before voting closes if I have not voted
yet"; only then does the roll keep their address and language (`remind_to`, `remind_locale`).
`queue_due_reminders`, run by `flask pb mail send` (and `flask pb mail remind`), queues the mail
once the announced close is less than VOTING_REMINDER_HOURS away and forgets the address in the
same transaction. The mail carries a fresh one-time voting link, so a verified person on another
device is not stuck. Casting writes nothing to the roll (a write at cast time would leave casting
order on disk): the reminder reads the vote marks instead, and the seal calls `forget_addresses`
to clear what is left of the whole cycle when voting closes.

Nothing here is counted anywhere: the mail reads the same for everyone ("if you have not voted
yet") and no audit event is written, since no count may be seen while voting is open.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app, render_template
from flask_babel import force_locale, format_date, format_datetime, format_time
from flask_babel import gettext as _
from sqlalchemy import delete, exists, literal, or_, select, update

from pb.config import link_context, public_url
from pb.cycles.models import Cycle
from pb.cycles.queries import lock_cycle
from pb.db import db, random_key, utcnow
from pb.enums import Phase
from pb.i18n.content import Localized
from pb.i18n.locales import direction, enabled_languages
from pb.outbox.models import OutboxMail
from pb.outbox.services import queue_mail
from pb.transaction import transaction
from pb.voting.models import RollStatus, VoteMark, VoterRollEntry
from pb.voting.services import new_voting_link

BATCH = 100  # reminders per transaction: a short write lock, so casts on SQLite barely wait
LINK, REMINDER = "link", "reminder"


def voting_mail_key(kind: str, cycle: Cycle, ident: str | None = None) -> str:
    """The outbox key of a voting mail (the emailed link, the reminder), so that the seal can
    delete every one of a cycle, address included. The reminder's names its entry: queued once."""
    return f"vote-{kind}:{cycle.id}:{ident or random_key()}"


def queue_due_reminders(now: datetime | None = None) -> None:
    """Queue every reminder that is due at `now`, once, each batch committed with the addresses
    it forgets. Run it as often as you like: an entry is reminded at most once."""
    now = now or utcnow()
    with transaction():  # a short read; each batch below takes the cycle lock and checks again
        due = [c.id for c in db.session.scalars(select(Cycle).filter_by(phase=Phase.voting).order_by(Cycle.id))
               if _is_due(c, now)]
    for cycle_id in due:
        while _remind_batch(cycle_id, now) == BATCH:  # each batch forgets what it reminded
            pass


def _is_due(cycle: Cycle, now: datetime) -> bool:
    closes = cycle.starts_at(Phase.tallying)
    lead = timedelta(hours=current_app.config["VOTING_REMINDER_HOURS"])
    return cycle.phase == Phase.voting and closes is not None and now < closes <= now + lead


def _remind_batch(cycle_id: int, now: datetime) -> int:
    """Up to BATCH reminders of one cycle in one transaction; how many entries it took."""
    with transaction():
        # Shared, like a cast: the close waits for this batch (and its seal then deletes what
        # was queued), or this batch sees voting closed.
        cycle = lock_cycle(db.session.get(Cycle, cycle_id), exclusive=False)
        if not _is_due(cycle, now):
            return 0
        entries = db.session.scalars(_waiting(cycle).limit(BATCH)).all()
        with link_context():
            for entry in entries:
                _remind(cycle, entry)
        return len(entries)


def _waiting(cycle: Cycle):
    """Entries that asked for a reminder, verified their address, may vote and have not voted."""
    voted = exists().where(VoteMark.cycle_id == cycle.id,
                           VoteMark.credential == literal("roll:") + VoterRollEntry.id)
    return (select(VoterRollEntry)
            .where(VoterRollEntry.cycle_id == cycle.id, VoterRollEntry.remind_to.is_not(None),
                   VoterRollEntry.email_verified, VoterRollEntry.status == RollStatus.active, ~voted)
            .order_by(VoterRollEntry.id))


def _remind(cycle: Cycle, entry: VoterRollEntry) -> None:
    address, wanted = entry.remind_to, entry.remind_locale
    # Forget the address first, conditionally: a second worker reading the same entry finds
    # it gone (PostgreSQL re-checks the row after waiting for ours) and sends nothing.
    taken = db.session.execute(update(VoterRollEntry).where(
        VoterRollEntry.id == entry.id, VoterRollEntry.remind_to.is_not(None))
        .values(remind_to=None, remind_locale=None)).rowcount
    if taken != 1:
        return
    closes = cycle.starts_at(Phase.tallying)
    codes = {lang.code for lang in enabled_languages()}
    locale = wanted if wanted in codes else current_app.config["BABEL_DEFAULT_LOCALE"]
    # Works once, until voting closes, even if staff move the close later: the seal spends every
    # link (forget_addresses), so the expiry only has to outlast the announced close.
    token = new_voting_link(entry, closes + timedelta(hours=current_app.config["VERIFY_LINK_HOURS"]))
    with force_locale(locale):
        values = {"cycle_title": Localized([cycle], locale)(cycle, "title").text,
                  "date": format_date(closes, "long"), "time": format_time(closes, "short"),
                  "zone": format_datetime(closes, "zzzz"),
                  "link": public_url("voting.verify", slug=cycle.slug, token=token),
                  "locale": locale, "text_direction": direction(locale)}
        subject = _("Voting closes soon: %(cycle)s", cycle=values["cycle_title"])
        text = render_template("voting/reminder_email.txt", **values)
        html = render_template("voting/reminder_email.html", **values)
    queue_mail(to=address, subject=subject, text=text, html=html, locale=locale,
               key=voting_mail_key(REMINDER, cycle, entry.id))


def forget_addresses(cycle: Cycle) -> None:
    """When voting closes (the seal): no plain address of the cycle's voters is kept.

    One UPDATE over every roll entry of the cycle, reminded or not, voted or not, so that which
    rows it changes tells nothing; and the cycle's voting links and reminders leave the outbox,
    sent or not, and every emailed voting link stops working (one is useless once voting has closed).
    """
    db.session.execute(update(VoterRollEntry).where(VoterRollEntry.cycle_id == cycle.id)
                       .values(remind_to=None, remind_locale=None, verify_hash=None))
    db.session.execute(delete(OutboxMail).where(or_(
        *(OutboxMail.dedupe_key.startswith(f"vote-{kind}:{cycle.id}:", autoescape=True)
          for kind in (LINK, REMINDER)))))
