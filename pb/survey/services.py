"""Survey answers, paper survey batches, population figures, live turnout, the survey seal.

A survey answer is not an audit event, like a cast: an event would put a time next to it.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import secrets

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError

from pb import clock
from pb.audit.services import record
from pb.cycles.models import Area, Cycle
from pb.cycles.queries import lock_cycle
from pb.db import db, utcnow
from pb.enums import Channel, Phase
from pb.errors import DomainError, WrongPhase
from pb.i18n.models import ContentTranslation
from pb.kiosk.services import check_uses_kiosks
from pb.proposals.services import EDITABLE_PHASES
from pb.survey.models import (
    PopulationCount,
    SurveyBatch,
    SurveyQuestion,
    SurveyResponse,
    SurveyTicketUse,
    TurnoutDay,
    option_lines,
)
from pb.survey.questions import BY_KEY, PREFER_NOT, QUESTIONS, bands
from pb.translations.services import register_translatable
from pb.voting.models import VoterRollEntry
from pb.voting.seal import MIN_GROUP, _rewrite_in_random_order
from pb.voting.services import person_of

MAX_POPULATION = 100_000_000  # more people than any service area; a typo, not a census
MAX_OWN_QUESTIONS = 10  # a cycle's own questions, after the standard ones
MIN_OPTIONS, MAX_OPTIONS = 2, 10
MAX_QUESTION, MAX_OPTION = 300, 200


class AlreadyAnswered(DomainError):
    """This ballot's survey was already answered."""


class PopulationFileError(DomainError):
    """A population CSV had bad rows; `lines` lists each problem with its line number."""

    def __init__(self, lines: list[str]):
        super().__init__(_l("The file was not imported. Fix these lines and try again:"))
        self.lines = lines


def new_ticket(cycle: Cycle, channel: Channel, locale: str = "", ticket: str | None = None) -> dict:
    """A one-time survey ticket for the session of someone who has just cast a ballot.

    It names the cycle and the channel only: never the ballot, tracker or credential. `ticket`
    is one chosen before the cast (online, with the reviewed ballot), so that the same cast
    sent again is answered with the same ticket, which can be used once.
    """
    return {"cycle": cycle.id, "channel": str(channel), "locale": locale,
            "ticket": ticket or new_ticket_code(), "seen": clock.timestamp()}


def new_ticket_code() -> str:
    return secrets.token_urlsafe(24)


def _ticket_hash(ticket: str) -> str:
    # Keyed, so a database reader cannot match a ticket seen elsewhere (a cookie) to its row.
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, f"survey-ticket\x1f{ticket}".encode(), hashlib.sha256).hexdigest()


def own_questions(cycle: Cycle) -> list[SurveyQuestion]:
    """The cycle's own survey questions, in order."""
    return list(db.session.scalars(select(SurveyQuestion).filter_by(cycle_id=cycle.id)
                                   .order_by(SurveyQuestion.position, SurveyQuestion.id)))


register_translatable(SurveyQuestion, ("text", "options"), in_cycle=own_questions, frozen_in_voting=True)


def clean_answers(cycle: Cycle, raw: dict) -> dict:
    """Keep the answers given, checked against the questions (the standard ones, then the
    cycle's own); blank questions are left out."""
    areas = [a.slug for a in cycle.areas]
    asked = [(q.key, set(bands(q, areas)), q.multiple) for q in QUESTIONS]
    asked += [(q.key, set(q.option_keys), q.multiple) for q in own_questions(cycle)]
    answers = {}
    for key, keys, multiple in asked:
        value = raw.get(key)
        allowed = keys | {PREFER_NOT}
        chosen = [v for v in (value if isinstance(value, list) else [value]) if v]
        if not chosen:
            continue
        if any(v not in allowed for v in chosen) or (len(chosen) > 1 and not multiple):
            raise DomainError(_l("Choose answers from the lists."))
        if PREFER_NOT in chosen and len(chosen) > 1:
            raise DomainError(_l("Choose groups or “Prefer not to say”, not both."))
        answers[key] = sorted(set(chosen)) if multiple else chosen[0]
    return answers


def _check_open(cycle: Cycle) -> None:
    # The cast's lock: an answer is in the table the seal shuffles, or refused.
    lock_cycle(cycle, exclusive=False)
    if cycle.phase != Phase.voting:
        raise WrongPhase(_l("The survey closed when voting closed."))


def submit_response(*, cycle: Cycle, ticket: dict, raw: dict, locale: str) -> SurveyResponse:
    """Store one anonymous answer for a one-time ticket; a used ticket is refused."""
    answers = clean_answers(cycle, raw)
    _check_open(cycle)
    if ticket.get("cycle") != cycle.id or not isinstance(ticket.get("ticket"), str):
        raise AlreadyAnswered(_l("This survey is only offered once, right after voting."))
    try:
        with db.session.begin_nested():
            db.session.add(SurveyTicketUse(cycle_id=cycle.id, ticket_hash=_ticket_hash(ticket["ticket"])))
    except IntegrityError:
        raise AlreadyAnswered(_l("This survey was already answered. Thank you!")) from None
    response = SurveyResponse(cycle_id=cycle.id, channel=Channel(ticket["channel"]), locale=locale,
                              answers=answers)
    db.session.add(response)
    db.session.flush()
    return response


def _check_questions_editable(cycle: Cycle) -> None:
    # The ballot's lock and phases: an edit commits before voting opens, or sees it has opened.
    lock_cycle(cycle, exclusive=False)
    if cycle.phase not in EDITABLE_PHASES:
        raise WrongPhase(_l("The survey questions are locked: they cannot change once voting has opened."))


def _clean_question(cycle: Cycle, text: str, options: str, locale: str) -> tuple[str, str]:
    """The question and its options, checked; one clear message for the first problem."""
    text, lines = (text or "").strip(), option_lines(options)
    if not text or len(text) > MAX_QUESTION:
        raise DomainError(_l("Write the question (up to %(n)d characters).", n=MAX_QUESTION))
    if not MIN_OPTIONS <= len(lines) <= MAX_OPTIONS:
        raise DomainError(_l("Write from %(min)d to %(max)d answers, one on each line.",
                             min=MIN_OPTIONS, max=MAX_OPTIONS))
    if any(len(line) > MAX_OPTION for line in lines):
        raise DomainError(_l("Each answer can have up to %(n)d characters.", n=MAX_OPTION))
    if len({line.casefold() for line in lines}) != len(lines):
        raise DomainError(_l("Each answer must be different."))
    if locale not in cycle.locales:
        raise DomainError(_l("Choose one of the cycle's languages."))
    return text, "\n".join(lines)


def add_question(*, actor, cycle: Cycle, text: str, options: str, multiple: bool, locale: str) -> SurveyQuestion:
    """Add one of the cycle's own survey questions, after the others (only before voting)."""
    text, options = _clean_question(cycle, text, options, locale)
    _check_questions_editable(cycle)
    mine = own_questions(cycle)
    if len(mine) >= MAX_OWN_QUESTIONS:
        raise DomainError(_l("A cycle can add up to %(n)d questions of its own.", n=MAX_OWN_QUESTIONS))
    question = SurveyQuestion(cycle_id=cycle.id, position=max((q.position for q in mine), default=0) + 1,
                              text=text, options=options, multiple=bool(multiple), locale=locale)
    db.session.add(question)
    db.session.flush()
    record("survey.question_add", actor=actor, obj=question, data={"text": text, "options": options})
    return question


def edit_question(*, actor, question: SurveyQuestion, text: str, options: str, multiple: bool,
                  locale: str) -> SurveyQuestion:
    """Change one of the cycle's own questions (only before voting); its translations then
    show as changed in the queue until they are checked again."""
    cycle = db.session.get(Cycle, question.cycle_id)
    text, options = _clean_question(cycle, text, options, locale)
    _check_questions_editable(cycle)
    question.text, question.options, question.multiple, question.locale = text, options, bool(multiple), locale
    db.session.flush()
    record("survey.question_edit", actor=actor, obj=question, data={"text": text, "options": options})
    return question


def remove_question(*, actor, question: SurveyQuestion) -> None:
    """Remove one of the cycle's own questions and its translations (only before voting)."""
    _check_questions_editable(db.session.get(Cycle, question.cycle_id))
    db.session.execute(delete(ContentTranslation).filter_by(object_type="SurveyQuestion", object_id=question.id))
    record("survey.question_remove", actor=actor, obj=question, data={"text": question.text})
    db.session.delete(question)
    db.session.flush()


def open_survey_batch(*, actor, cycle: Cycle) -> SurveyBatch:
    """A liaison starts typing in a stack of paper survey forms (handed out with paper ballots
    and at kiosks, so only in a cycle that uses them)."""
    _check_open(cycle)
    check_uses_kiosks(cycle)
    batch = SurveyBatch(cycle_id=cycle.id, opened_by_id=actor.id)
    db.session.add(batch)
    record("survey.batch_open", actor=actor, obj=batch, data={"cycle": cycle.id})
    return batch


def enter_paper_survey(*, actor, batch: SurveyBatch, raw: dict) -> SurveyResponse:
    """One paper form, typed as written (no language: the form is not the voter's screen)."""
    cycle = db.session.get(Cycle, batch.cycle_id)
    answers = clean_answers(cycle, raw)
    _check_open(cycle)
    check_uses_kiosks(cycle)
    if batch.closed_at is not None or batch.opened_by_id != actor.id:
        raise DomainError(_l("This batch is closed, or another liaison opened it."))
    response = SurveyResponse(cycle_id=cycle.id, channel=Channel.paper, locale="", answers=answers)
    db.session.add(response)
    batch.entered += 1
    db.session.flush()
    return response


def close_survey_batch(*, actor, batch: SurveyBatch) -> SurveyBatch:
    """Close a paper survey batch (no count in the event: the audit page is public)."""
    if batch.closed_at is not None:
        raise DomainError(_l("This batch is already closed."))
    if batch.opened_by_id != actor.id:
        raise DomainError(_l("This batch is closed, or another liaison opened it."))
    batch.closed_at = utcnow()
    record("survey.batch_close", actor=actor, obj=batch, data={"cycle": batch.cycle_id})
    return batch


def set_population(*, actor, cycle: Cycle, area: Area, figures: dict[tuple[str, str], int | None]) -> None:
    """Replace one area's population figures; a blank figure removes it."""
    if area.cycle_id != cycle.id:
        raise DomainError(_l("Choose an area from the list."))
    db.session.execute(delete(PopulationCount).filter_by(cycle_id=cycle.id, area_id=area.id))
    for (question, band), count in sorted(figures.items()):
        if count is not None:
            db.session.add(PopulationCount(cycle_id=cycle.id, area_id=area.id, question=question,
                                           band=band, count=count))
    db.session.flush()
    record("population.set", actor=actor, obj=cycle, data={"area": area.slug})


def parse_population_csv(cycle: Cycle, text: str) -> dict[tuple[str, str, str], int]:
    """Read `area,question,band,count` rows strictly; every bad line is reported, by number."""
    areas = {a.slug for a in cycle.areas}
    rows, errors = {}, []
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    header = next(reader, None)
    if [h.strip().lower() for h in header or []] != ["area", "question", "band", "count"]:
        raise PopulationFileError([str(_l("Line 1: the first line must be: area,question,band,count"))])
    for number, row in enumerate(reader, start=2):
        problem = _row_problem(row, areas, rows)
        if problem:
            errors.append(str(_l("Line %(n)s: %(problem)s", n=number, problem=problem)))
        elif row and any(cell.strip() for cell in row):
            rows[(row[0].strip(), row[1].strip(), row[2].strip())] = int(row[3].strip())
    if errors or not rows:
        raise PopulationFileError(errors or [str(_l("The file has no figures."))])
    return rows


def _row_problem(row: list[str], areas: set[str], seen: dict) -> str | None:
    if not row or not any(cell.strip() for cell in row):
        return None  # a blank line
    if len(row) != 4:
        return str(_l("it needs exactly 4 values: area, question, band, count"))
    area, question, band, count = (cell.strip() for cell in row)
    if area not in areas:
        return str(_l("“%(value)s” is not an area of this cycle", value=area))
    if question not in BY_KEY or question == "area":
        return str(_l("“%(value)s” is not a survey question", value=question))
    if band not in bands(BY_KEY[question]):
        return str(_l("“%(value)s” is not an answer to %(question)s", value=band, question=question))
    if not count.isascii() or not count.isdigit() or int(count) > MAX_POPULATION:
        return str(_l("“%(value)s” is not a whole number of people", value=count))
    if (area, question, band) in seen:
        return str(_l("this area, question and answer appear twice"))
    return None


def import_population(*, actor, cycle: Cycle, text: str) -> int:
    """Replace all of a cycle's population figures with a checked file; nothing on any error."""
    rows = parse_population_csv(cycle, text)
    area_ids = {a.slug: a.id for a in cycle.areas}
    db.session.execute(delete(PopulationCount).filter_by(cycle_id=cycle.id))
    for (area, question, band), count in sorted(rows.items()):
        db.session.add(PopulationCount(cycle_id=cycle.id, area_id=area_ids[area], question=question,
                                       band=band, count=count))
    db.session.flush()
    record("population.import", actor=actor, obj=cycle, data={"rows": len(rows)})
    return len(rows)


def switch_live_turnout(*, actor, cycle: Cycle, on: bool) -> Cycle:
    """Turn staff-only live turnout on or off for a cycle (audited either way)."""
    if cycle.live_turnout == on:
        return cycle
    cycle.live_turnout = on
    record("cycle.live_turnout", actor=actor, obj=cycle, data={"on": on})
    return cycle


def note_turnout(*, cycle: Cycle, channel: Channel, locale: str, credential: str) -> None:
    """Count one participation in today's cell, in the cast's transaction, if the cycle opted in.

    An atomic upsert, so two parallel casts never fail on the counter's key.
    """
    if not cycle.live_turnout:
        return
    area_id = 0
    person = person_of(credential)
    if person.startswith("roll:"):
        entry = db.session.get(VoterRollEntry, person.removeprefix("roll:"))
        area_id = (entry.area_id or 0) if entry is not None else 0
    values = {"cycle_id": cycle.id, "day": clock.today(), "area_id": area_id, "channel": channel,
              "locale": locale, "count": 1}
    insert = pg_insert if db.engine.dialect.name == "postgresql" else sqlite_insert
    db.session.execute(insert(TurnoutDay).values(**values).on_conflict_do_update(
        index_elements=["cycle_id", "day", "area_id", "channel", "locale"],
        set_={"count": TurnoutDay.count + 1}))


def seal_survey(*, actor, cycle: Cycle) -> None:
    """With the box: shuffle the answers and day counts into fresh storage, drop used tickets,
    and blur the language of answer groups under 20, as the seal does for ballots."""
    db.session.execute(delete(SurveyTicketUse).filter_by(cycle_id=cycle.id))
    _rewrite_in_random_order(SurveyResponse)
    _rewrite_in_random_order(SurveyTicketUse)
    _rewrite_in_random_order(TurnoutDay)
    responses = list(db.session.scalars(select(SurveyResponse).filter_by(cycle_id=cycle.id)))
    groups: dict[tuple, int] = {}
    for r in responses:
        groups[(r.channel, r.locale)] = groups.get((r.channel, r.locale), 0) + 1
    for r in responses:
        if groups[(r.channel, r.locale)] < MIN_GROUP:
            r.locale = ""
    db.session.flush()
    record("survey.seal", actor=actor, obj=cycle, data={"responses": len(responses)})
