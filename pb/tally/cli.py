"""`tally` command: count a `.pb` file or an RCTab case without any database.

Attached by the web app as ``flask pb tally`` (``pb_group.add_command(tally_command)``) and
runnable as ``python -m pb.tally``; `main(argv)` runs it stand-alone (no Flask, no app), so a
launcher can dispatch to it before the web app is created. Imports click only, never Flask;
the engine itself (NumPy, the rules) is imported only when a count runs, so `--help` and
bad arguments answer at once.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from pb.tally.compress import Profile
    from pb.tally.model import Result
    from pb.tally.rcvmodel import RcvContest

# kept literal so that building the command imports no NumPy (tests check they match)
RULE_NAMES = ("greedy", "equal-shares", "ear", "irv", "stv")
POINT_NAMES = ("fixed", "length", "borda")
COMPLETION_NAMES = ("none", "add1")
COMPAT_NAMES = ("none", "pabutools")
LARGE = 100_000  # ballots; from here a progress bar goes to stderr (when it is a terminal)
BYTES_PER_BALLOT = 25  # rough size of a VOTES line, to guess the ballots without META


def expected_ballots(path: Path) -> int:
    """Ballots in a `.pb` file: META `num_votes` if the file states it, else a size guess."""
    with open(path, encoding="utf-8-sig", errors="replace") as fh:
        for line in fh:
            if line.strip() in ("PROJECTS", "VOTES"):
                break
            key, _, value = line.partition(";")
            if key.strip() == "num_votes" and value.strip().isascii() and value.strip().isdigit():
                return int(value)
    return path.stat().st_size // BYTES_PER_BALLOT


def load(path: Path, max_ranks: int | None,
         progress: Callable[[int, int], None] | None = None
         ) -> tuple[Profile | RcvContest, dict[str, str]]:
    """Read a `.pb` file into a Profile, or an RCTab case (a directory, or its ballots.jsonl).

    Returns the input and the project names by id.
    """
    if path.is_dir() or path.suffix == ".jsonl":
        from pb.tally.formats.rctab import read_contest  # loaded only for RCTab files (start-up)

        return read_contest(path), {}
    from pb.tally.formats.pabulib import read_pb_profile  # loaded when counting (fast --help)

    pb, profile = read_pb_profile(path, max_ranks, progress)
    return profile, {p.id: p.name for p in pb.election.projects}


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
@click.option("--rule", type=click.Choice(RULE_NAMES), required=True, help="Counting rule.")
@click.option("--points", type=click.Choice(POINT_NAMES), default="fixed", show_default=True,
              help="fixed: K-r+1; length: L-r+1 (pabulib score, Kraków); borda: L-r.")
@click.option("--completion", type=click.Choice(COMPLETION_NAMES), default="none",
              show_default=True, help="equal-shares completion.")
@click.option("--compat", type=click.Choice(COMPAT_NAMES), default="none", show_default=True,
              help="ear: 'pabutools' reproduces pabutools 1.2.3's pb_ear, which truncates "
                   "the quota and the approvers' weight to integers (docs/COUNTING.md).")
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
def tally_command(file: Path, rule: str, points: str, completion: str, compat: str,
                  increment: int | None, fill: bool, seats: int, tie_break: str | None,
                  seed: int | None, max_ranks: int | None, json_out: Path | None) -> None:
    """Count FILE (a pabulib .pb file or an RCTab case) and print the winners and digests."""
    from pb.tally import count  # NumPy loads only when counting (fast --help)
    from pb.tally.errors import TallyError  # with count, above

    large = (file.is_file() and sys.stderr.isatty() and expected_ballots(file) >= LARGE)
    try:
        with click.progressbar(length=100, label="reading", file=sys.stderr,
                               hidden=not large) as bar:
            def progress(done: int, total: int) -> None:
                bar.update(90 * done // max(total, 1) - bar.pos)

            data, names = load(file, max_ranks, progress)
            bar.label = "counting"
            bar.update(90 - bar.pos)
            result = count(data, rule=rule, points=points, completion=completion,
                           increment=increment, fill=fill, seats=seats, tie_break=tie_break,
                           seed=seed, compat=compat)
            bar.update(100 - bar.pos)
    except (TallyError, NotImplementedError) as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(report(result, names))
    if json_out is not None:
        json_out.write_text(result.to_json() + "\n", encoding="utf-8")
    if not result.complete:
        sys.exit(3)


def main(argv: Sequence[str] | None = None, prog_name: str = "python -m pb.tally") -> Any:
    """Run the `tally` command stand-alone (no Flask, no app): `main(["FILE", "--rule", ...])`."""
    return tally_command.main(args=list(argv) if argv is not None else None, prog_name=prog_name)
