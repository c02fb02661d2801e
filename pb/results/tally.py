"""Bridge between the database and the counting engine: the sealed box as a pb.tally Election."""

from __future__ import annotations

from babel.numbers import get_currency_precision
from sqlalchemy import select

from pb.cycles.models import Cycle
from pb.db import db
from pb.proposals.queries import ballot_projects
from pb.tally import Election, Project
from pb.tally.formats.pabulib import format_pb, parse_pb
from pb.voting.models import Ballot
from pb.voting.seal import canonical_ballots


def sealed_rankings(cycle: Cycle) -> list[list[str]]:
    """The box in canonical (sorted) order: the order that is published and hashed."""
    return canonical_ballots(db.session.scalars(select(Ballot.ranking).filter_by(cycle_id=cycle.id)))


def election_for(cycle: Cycle) -> Election:
    """The election exactly as the published .pb file states it.

    The app counts what it publishes: it writes the .pb text and parses it back, so the
    digests anyone gets from the file with `pb tally` are the digests the app recorded.
    """
    return parse_pb(ballots_pb(cycle)).election


def ballots_pb(cycle: Cycle) -> str:
    """The sealed box as a pabulib .pb file (ballots in canonical order)."""
    projects = tuple(Project(id=str(p.id), cost=p.cost_cents, name=p.title) for p in ballot_projects(cycle))
    return format_pb(Election(
        projects=projects, budget=cycle.budget_cents,
        ballots=tuple(tuple(r) for r in sealed_rankings(cycle)),
        max_ranks=cycle.max_ranks, money_decimals=get_currency_precision(cycle.currency),
        meta=(("description", cycle.title), ("currency", cycle.currency),
              ("rule", cycle.rule), ("tie_break", cycle.tie_break or "none"))))


def count_options(cycle: Cycle) -> dict:
    """The cycle's published rule, points, completion and tie-break as count() keywords."""
    params = dict(cycle.rule_params or {})
    options = {"rule": cycle.rule, "points": params.get("points", "fixed"),
               "tie_break": cycle.tie_break or None}
    if cycle.rule == "equal-shares":
        options |= {"completion": params.get("completion", "none"), "fill": bool(params.get("fill"))}
    if cycle.tie_seed:
        options["seed"] = int(cycle.tie_seed)
    return options


def recount_command(cycle: Cycle) -> str:
    """The command line anyone can run on the published .pb file to get the same result."""
    options = count_options(cycle)
    parts = ["flask --app app pb tally ballots.pb", f"--rule {options['rule']}", f"--points {options['points']}"]
    if options.get("completion", "none") != "none":
        parts.append(f"--completion {options['completion']}")
    if options.get("fill"):
        parts.append("--fill")
    if options["tie_break"]:
        parts.append(f"--tie-break {options['tie_break']}")
    if "seed" in options:
        parts.append(f"--seed {options['seed']}")
    return " ".join(parts)
