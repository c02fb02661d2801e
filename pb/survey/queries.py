"""Reads for the survey and equity pages. Every count passes through pb.survey.suppression.

Participants are survey answers; residents are the population figures staff entered.
Shares leave out "prefer not to say" and "not answered" (the census has neither), which are
counted and shown apart. Reports read answers only once voting has closed.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from fractions import Fraction

from flask import abort
from flask_babel import format_decimal, format_percent
from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, select

from pb.cycles.models import Cycle
from pb.db import db
from pb.enums import Channel, IdeaStatus, Phase
from pb.i18n.content import Localized, Shown
from pb.kiosk.models import Site
from pb.proposals.models import Idea
from pb.survey.models import (
    PopulationCount,
    SurveyBatch,
    SurveyQuestion,
    SurveyResponse,
    TurnoutDay,
    option_lines,
)
from pb.survey.questions import (
    BY_KEY,
    NOT_ANSWERED,
    PREFER_NOT,
    QUESTIONS,
    Question,
    band_label,
    bands,
)
from pb.survey.suppression import (
    PUBLIC_MIN,
    Table,
    representation_ratio,
    share,
    suppress_question,
    suppress_table,
    suppress_views,
)

VOTING_OVER = (Phase.tallying, Phase.results, Phase.implementation)
UNDER_REPRESENTED = Fraction(4, 5)  # a ratio under 0.8 earns a sentence in the summary


@dataclass(frozen=True)
class BandRow:
    key: str
    label: str
    participants: int | None  # None: suppressed
    participant_share: Fraction | None
    population: int | None
    population_share: Fraction | None
    ratio: Fraction | None

    @property
    def participant_pct(self) -> str:
        return "" if self.participant_share is None else format_percent(float(self.participant_share))

    @property
    def population_pct(self) -> str:
        return "" if self.population_share is None else format_percent(float(self.population_share))

    @property
    def ratio_text(self) -> str:
        return "" if self.ratio is None else format_decimal(round(float(self.ratio), 2), format="0.00")


@dataclass(frozen=True)
class Comparison:
    question: Question
    rows: list[BandRow]
    answered: int | None  # all answers (selections, for a multi-select question), or None


def get_question_or_404(question_id: int) -> SurveyQuestion:
    question = db.session.get(SurveyQuestion, question_id)
    if question is None:
        abort(404)
    return question


def own_questions(cycle: Cycle, locale: str) -> tuple[Question, ...]:
    """The cycle's own questions as survey questions, in the reader's language when both the
    question and its options have a reviewed translation with as many answers as the original;
    otherwise in the original language (never half and half). Options keep their keys."""
    rows = list(db.session.scalars(select(SurveyQuestion).filter_by(cycle_id=cycle.id)
                                   .order_by(SurveyQuestion.position, SurveyQuestion.id)))
    shown = Localized(rows, locale)
    questions = []
    for row in rows:
        text, options = shown(row, "text"), shown(row, "options")
        lines = option_lines(options.text)
        if text.pending or options.pending or len(lines) != len(row.option_lines):
            text, lines = Shown(row.text, row.locale, pending=True), row.option_lines  # all in the original
        questions.append(Question(row.key, text.text, text.text, tuple(zip(row.option_keys, lines, strict=True)),
                                  multiple=row.multiple, locale=text.locale))
    return tuple(questions)


def all_questions(cycle: Cycle, locale: str) -> tuple[Question, ...]:
    """The standard questions, then the cycle's own (for reports: no census figures for these)."""
    return (*QUESTIONS, *own_questions(cycle, locale))


def get_batch_or_404(batch_id: int) -> SurveyBatch:
    batch = db.session.get(SurveyBatch, batch_id)
    if batch is None:
        abort(404)
    return batch


def open_batches(cycle: Cycle, user_id: int) -> list[SurveyBatch]:
    return list(db.session.scalars(select(SurveyBatch).filter_by(cycle_id=cycle.id, opened_by_id=user_id,
                                                                 closed_at=None).order_by(SurveyBatch.id)))


def area_names(cycle: Cycle) -> dict[str, str]:
    return {a.slug: a.name for a in cycle.all_areas}


_POPULATION = select(PopulationCount.area_id, PopulationCount.question, PopulationCount.band,
                     PopulationCount.count).where(PopulationCount.cycle_id == bindparam("cycle_id"))


def population(cycle: Cycle) -> dict[tuple[int, str, str], int]:
    rows = db.session.execute(_POPULATION, {"cycle_id": cycle.id})
    return {(a, q, b): n for a, q, b, n in rows}


def responses(cycle: Cycle) -> list[SurveyResponse]:
    """Answers, for reports only once voting has closed (no count of any kind while it is open)."""
    if cycle.phase not in VOTING_OVER:
        return []
    return list(db.session.scalars(select(SurveyResponse).filter_by(cycle_id=cycle.id)))


def _chosen(response: SurveyResponse, question: Question) -> list[str]:
    value = response.answers.get(question.key)
    if value is None or value == []:
        return [NOT_ANSWERED]
    return value if isinstance(value, list) else [value]


def participant_counts(answers: list[SurveyResponse], question: Question, keys: list[str]) -> dict[str, int]:
    counts = Counter(band for r in answers for band in _chosen(r, question))
    return {key: counts.get(key, 0) for key in [*keys, PREFER_NOT, NOT_ANSWERED]}


def compare(cycle: Cycle, answers: list[SurveyResponse], question: Question, threshold: int,
            area_id: int | None = None, shown_values: dict | None = None) -> Comparison:
    """One question: participants beside residents, band by band, with the representation ratio.

    `shown_values`: the counts as already suppressed together with the report's other tables
    (`linked_views`); otherwise this table is suppressed on its own (a page showing nothing else).
    """
    names = area_names(cycle)
    keys = bands(question, [a.slug for a in cycle.all_areas])
    if shown_values is None:
        shown_values = suppress_question(participant_counts(answers, question, keys), keys, threshold)
    pop = _population_by_band(cycle, question, area_id)
    given, pop_total = shown_values["given"], sum(pop.get(k, 0) for k in keys)
    rows = []
    for key in [*keys, PREFER_NOT, NOT_ANSWERED]:
        shown = shown_values[key]
        substantive = key in keys and shown is not None and given is not None
        rows.append(BandRow(
            key=key, label=band_label(question, key, names), participants=shown,
            participant_share=share(shown, given) if substantive else None,
            population=pop.get(key) if key in keys else None,
            population_share=share(pop.get(key, 0), pop_total) if key in keys and pop else None,
            ratio=representation_ratio(shown, given, pop.get(key, 0), pop_total) if substantive and pop else None))
    return Comparison(question=question, rows=rows, answered=shown_values["total"])


def _population_by_band(cycle: Cycle, question: Question, area_id: int | None) -> dict[str, int]:
    figures = population(cycle)
    if question.key == "area":  # an area's residents: the sum of its age bands
        ids = {a.id: a.slug for a in cycle.all_areas}
        totals = Counter()
        for (a, q, _b), n in figures.items():
            if q == "age" and (area_id is None or a == area_id):
                totals[ids[a]] += n
        return dict(totals)
    totals = Counter()
    for (a, q, b), n in figures.items():
        if q == question.key and (area_id is None or a == area_id):
            totals[b] += n
    return dict(totals)


def in_area(cycle: Cycle, answers: list[SurveyResponse], area_id: int) -> list[SurveyResponse]:
    slug = next(a.slug for a in cycle.all_areas if a.id == area_id)
    return [r for r in answers if r.answers.get("area") == slug]


@dataclass(frozen=True)
class View:
    """One question as a staff report shows it for all areas or one area, suppressed together
    with the same question in every other view (pb.survey.suppression.suppress_views)."""

    comparison: Comparison
    by_channel: Table
    by_language: Table


def linked_views(cycle: Cycle, answers: list[SurveyResponse], question: Question,
                 threshold: int) -> dict[int | None, View]:
    """The question for all areas (key None) and for each area (its id), every table of every
    view suppressed at once, so that subtracting one view or table from another reveals nothing."""
    keys = bands(question, [a.slug for a in cycle.all_areas])
    others = [PREFER_NOT, NOT_ANSWERED]
    slugs = {a.slug: a.id for a in cycle.all_areas}
    dims = {"channel": [str(c) for c in Channel], "language": sorted({r.locale or "" for r in answers})}
    counts: Counter = Counter()
    for r in answers:
        area = slugs.get(r.answers.get("area"), "none")  # "none": gave no area, a view no page shows
        for view in (None, area):
            for band in _chosen(r, question):
                counts[view, "*", band] += 1
                counts[view, ("channel", str(r.channel)), band] += 1
                counts[view, ("language", r.locale or ""), band] += 1
    parts = [*slugs.values(), "none"]
    out = suppress_views(counts, [None, *parts], parts, dims, keys, others, threshold)
    views = {}
    for view in (None, *slugs.values()):
        shown = {band: out[view, "*", band] for band in [*keys, *others]}
        shown |= {name: out[view, name] for name in ("given", "others", "total")}
        tables = {dim: Table(rows=(*keys, *others), cols=tuple(cols),
                             cells={(b, c): out[view, (dim, c), b] for b in [*keys, *others] for c in cols},
                             row_totals={b: out[view, "*", b] for b in [*keys, *others]},
                             col_totals={c: out[view, (dim, c), "total"] for c in cols}, total=out[view, "total"])
                  for dim, cols in dims.items()}
        views[view] = View(compare(cycle, [], question, threshold, area_id=view, shown_values=shown),
                           tables["channel"], tables["language"])
    return views


def public_comparisons(cycle: Cycle, answers: list[SurveyResponse], locale: str) -> list[Comparison]:
    """Every question for all areas at the public threshold, linked with the areas' views that
    the summary sentences are read from: a shown all-areas cell minus a cell a sentence gives
    away is never a hidden one (the public equity page and the community-benefit record)."""
    return [linked_views(cycle, answers, q, PUBLIC_MIN)[None].comparison for q in all_questions(cycle, locale)]


def summaries(cycle: Cycle, answers: list[SurveyResponse], threshold: int) -> list[str]:
    """Plain sentences about the groups least represented in each area (at most three each).

    Read from the same linked views as the report: a sentence gives a group's share of the
    area's participants, which with the area's total is its count, so it may only name a group
    that its area's view shows.
    """
    asked = [q for q in QUESTIONS if q.key != "area"]
    views = {q.key: linked_views(cycle, answers, q, threshold) for q in asked}
    sentences = []
    for area in cycle.all_areas:
        found = [(row.ratio, question, row) for question in asked
                 for row in views[question.key][area.id].comparison.rows
                 if row.ratio is not None and row.ratio < UNDER_REPRESENTED]
        for _ratio, question, row in sorted(found, key=lambda f: f[0])[:3]:
            sentences.append(str(_l(
                "Residents who answered “%(group)s” to “%(topic)s” are %(population)s of %(area)s "
                "and %(participants)s of the people there who took part.",
                group=row.label, topic=question.topic, area=area.name,
                population=format_percent(float(row.population_share)),
                participants=format_percent(float(row.participant_share)))))
    return sentences


def turnout_tables(cycle: Cycle, threshold: int) -> dict[str, Table]:
    """Participation per day by area, channel and language (staff, suppressed). Never by project."""
    rows = db.session.execute(select(TurnoutDay.day, TurnoutDay.area_id, TurnoutDay.channel, TurnoutDay.locale,
                                     TurnoutDay.count).filter_by(cycle_id=cycle.id)).all()
    days = sorted({str(r[0]) for r in rows})
    names = {a.id: a.name for a in cycle.all_areas}
    by_area, by_channel, by_language = Counter(), Counter(), Counter()
    for day, area_id, channel, locale, n in rows:
        by_area[str(day), names.get(area_id, "")] += n
        by_channel[str(day), str(channel)] += n
        by_language[str(day), locale] += n
    return {dim: suppress_table(values, days, sorted({c for _d, c in values}), threshold)
            for dim, values in (("area", by_area), ("channel", by_channel), ("language", by_language))}


def process_facts(cycle: Cycle) -> dict:
    """The process part of the community-benefit record: phases, channels, languages, sites."""
    channels = [str(Channel.online)] if cycle.allow_access_codes or cycle.allow_registration else []
    if cycle.use_kiosks:
        channels += [str(Channel.kiosk), str(Channel.paper)]
    sites = list(db.session.scalars(select(Site).filter_by(cycle_id=cycle.id).order_by(Site.name)))
    return {"schedule": [(str(d.phase), d.starts_at) for d in cycle.schedule], "channels": channels,
            "languages": cycle.locales, "sites": [s.name for s in sites]}


def idea_counts(cycle: Cycle) -> Table:
    """What residents said: ideas by category and by the answer they got. Every idea and its
    answer is public one by one, so these counts are not suppressed."""
    ideas = db.session.execute(select(Idea.category, Idea.status).filter_by(cycle_id=cycle.id)).all()
    statuses = [str(s) for s in IdeaStatus]
    values = Counter((category, str(status)) for category, status in ideas)
    categories = sorted({c for c, _s in ideas})
    return suppress_table(values, categories, statuses, threshold=1)  # 1: nothing hidden


def question(key: str) -> Question:
    if key not in BY_KEY:
        abort(404)
    return BY_KEY[key]


def record_rows(*, cycle, process, snapshot, funded, updates, grants, seal, ballots, ideas, comparisons,
                summaries, min_cell, **_unused) -> list[list]:
    """The community-benefit record as rows: section, item, detail, value (suppressed cells
    read "fewer than 20")."""
    hidden = str(_l("fewer than %(n)s", n=min_cell))
    rows = [[str(_l("Section")), str(_l("Item")), str(_l("Detail")), str(_l("Value"))],
            [str(_l("Process")), str(_l("Cycle")), cycle.slug, cycle.title]]
    rows += [[str(_l("Process")), str(_l("Phase starts")), phase, str(at.date())] for phase, at in process["schedule"]]
    rows += [[str(_l("Process")), str(_l("Channel")), c, ""] for c in process["channels"]]
    rows += [[str(_l("Process")), str(_l("Language")), lang, ""] for lang in process["languages"]]
    rows += [[str(_l("Process")), str(_l("Site")), name, ""] for name in process["sites"]]
    if seal is not None and snapshot is not None:
        rows.append([str(_l("Who was consulted")), str(_l("Ballots counted")), "", seal.ballot_count])
    by = {"channel": _l("Ballots by channel"), "site": _l("Ballots by site"), "language": _l("Ballots by language")}
    for dim in by if ballots else ():
        rows += [[str(_l("Who was consulted")), str(by[dim]), k, v]
                 for k, v in ballots[dim]["shown"].items()]
    for comparison in comparisons:
        for row in comparison.rows:
            rows.append([str(_l("Who was consulted")), str(comparison.question.topic), row.label,
                         hidden if row.participants is None else row.participants,
                         "" if row.population is None else row.population,
                         "" if row.ratio is None else f"{float(row.ratio):.2f}"])
    rows += [[str(_l("Who was consulted")), str(_l("Summary")), sentence, ""] for sentence in summaries]
    for (category, status), n in sorted(ideas.cells.items()):
        if n:
            rows.append([str(_l("What they said")), str(_l("Ideas")), f"{category} / {status}", n])
    if snapshot is not None:
        rows.append([str(_l("What was decided")), str(_l("Counting rule")), snapshot.rule, snapshot.result_sha256])
    for project in funded:
        rows.append([str(_l("Funded project")), project.title, str(_l("Amount (minor units)")), project.cost_cents])
        rows += [[str(_l("Funded project")), project.title, str(_l("From idea")), idea.title] for idea in project.ideas]
        terms = grants.get(project.id)
        if terms is not None:
            rows += [[str(_l("Funded project")), project.title, str(label), value] for label, value in (
                (_l("Carried out by"), terms.grantee), (_l("Restricted to"), terms.restriction),
                (_l("People it should serve"), "" if terms.persons_served is None else terms.persons_served),
                (_l("Measurable objectives"), terms.objectives))]
        rows += [[str(_l("Funded project")), project.title, str(_l("Progress")),
                  f"{u.created_at.date()} {u.status} {u.percent}% {u.spent_cents} {u.body}"] for u in updates[project.id]]
    return rows
