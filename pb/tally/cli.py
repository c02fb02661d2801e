"""`tally` command: count a `.pb` file or an RCTab case without any database.

Attached by the web app as ``flask pb tally`` (``pb_group.add_command(tally_command)``) and
runnable as ``python -m pb.tally``. Imports click only, never Flask.
"""

from __future__ import annotations

import sys
from decimal import Decimal
from pathlib import Path

import click

from pb.tally import count
from pb.tally.errors import TallyError
from pb.tally.model import Election, Result
from pb.tally.rcvmodel import RcvContest
from pb.tally.rules import RULES
from pb.tally.rules.base import COMPLETIONS, POINTS

LARGE_FILE = 5_000_000  # bytes; above this a progress bar goes to stderr


def load(path: Path, max_ranks: int | None) -> Election | RcvContest:
    """Read a `.pb` file, or an RCTab case (a directory, or its ballots.jsonl)."""
    from pb.tally.formats.pabulib import read_pb
    from pb.tally.formats.rctab import read_contest

    if path.is_dir() or path.suffix == ".jsonl":
        return read_contest(path)
    election = read_pb(path).election
    if max_ranks is not None:
        election = Election(election.projects, election.budget, election.ballots, max_ranks,
                            election.counts, election.kind, election.money_decimals,
                            election.meta)
    return election


def money(units: int, places: int) -> str:
    """Minor units as a decimal amount."""
    return str(Decimal(units).scaleb(-places)) if places else str(units)


def report(result: Result, names: dict[str, str]) -> str:
    """The plain-text summary printed by the command."""
    lines = [f"rule: {result.rule}  tie-break: {result.tie_break}", "winners:"]
    for i, w in enumerate(result.winners, start=1):
        label = f"  {names[w]}" if names.get(w) else ""
        lines.append(f"  {i}. {w}{label}")
    if result.rule not in ("irv", "stv") or result.budget:
        places = result.money_decimals
        lines.append(f"spent: {money(result.spent, places)} of {money(result.budget, places)}"
                     f" (left {money(result.left, places)})")
    tie = result.unresolved_tie
    if tie is not None:
        lines.append(f"UNRESOLVED TIE between {', '.join(tie.candidates)} ({tie.context}); "
                     "counting stopped: choose a --tie-break")
    lines.append(f"input sha256: {result.input_sha256}")
    lines.append(f"result sha256: {result.result_sha256}")
    return "\n".join(lines)


@click.command("tally")
@click.argument("file", type=click.Path(exists=True, path_type=Path))
@click.option("--rule", type=click.Choice(list(RULES)), required=True, help="Counting rule.")
@click.option("--points", type=click.Choice(POINTS), default="fixed", show_default=True,
              help="fixed: K-r+1; length: L-r+1 (pabulib score, Kraków); borda: L-r.")
@click.option("--completion", type=click.Choice(COMPLETIONS), default="none", show_default=True,
              help="equal-shares completion.")
@click.option("--increment", type=int, default=None,
              help="add1: per-voter budget step in minor units (default one currency unit).")
@click.option("--fill/--no-fill", default=False, help="equal-shares: greedy fill afterwards.")
@click.option("--seats", type=int, default=1, show_default=True, help="stv: seats.")
@click.option("--tie-break", "tie_break", default=None,
              help="lexicographic, min-cost, max-cost, max-votes, max-higher-ranks, "
                   "seeded-lottery, or a comma-separated chain (default: report ties).")
@click.option("--seed", type=int, default=None, help="Published seed for seeded-lottery.")
@click.option("--max-ranks", type=int, default=None,
              help="K (default: META max_length, else the longest ballot).")
@click.option("--json", "json_out", type=click.Path(dir_okay=False, path_type=Path),
              default=None, help="Write the result as JSON here.")
def tally_command(file: Path, rule: str, points: str, completion: str, increment: int | None,
                  fill: bool, seats: int, tie_break: str | None, seed: int | None,
                  max_ranks: int | None, json_out: Path | None) -> None:
    """Count FILE (a pabulib .pb file or an RCTab case) and print the winners and digests."""
    large = file.is_file() and file.stat().st_size > LARGE_FILE
    steps = ["read", "count"]
    try:
        with click.progressbar(length=len(steps), label="counting", file=sys.stderr,
                               hidden=not large) as bar:
            election = load(file, max_ranks)
            bar.update(1)
            result = count(election, rule=rule, points=points, completion=completion,
                           increment=increment, fill=fill, seats=seats, tie_break=tie_break,
                           seed=seed)
            bar.update(1)
    except TallyError as exc:
        raise click.ClickException(str(exc)) from None
    except NotImplementedError as exc:
        raise click.ClickException(str(exc)) from None
    names = {p.id: p.name for p in election.projects} if isinstance(election, Election) else {}
    click.echo(report(result, names))
    if json_out is not None:
        json_out.write_text(result.to_json() + "\n", encoding="utf-8")
    if not result.complete:
        sys.exit(3)
