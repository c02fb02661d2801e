"""Read and write the pabulib `.pb` format (ordinal and approval ballots).

A `.pb` file has three sections, each a title line followed by a `;`-separated header and
rows: META (key;value), PROJECTS (project_id;cost;...), VOTES (voter_id;vote;...). Votes
list project ids separated by commas, most preferred first. Extra columns are kept as text.
Decimal costs are scaled to integers by one common power of ten (`money_decimals`).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from pb.tally.errors import TallyError
from pb.tally.model import Election, Project

SECTIONS = ("META", "PROJECTS", "VOTES")
KINDS = ("ordinal", "approval")


@dataclass(frozen=True)
class PbFile:
    """A parsed `.pb` file: the election plus the raw project columns (e.g. `score`)."""

    election: Election
    project_fields: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    meta: Mapping[str, str] = field(default_factory=dict)


class _Reader:
    """Line-by-line parser that knows where it is, to name the line in errors."""

    def __init__(self, text: str, source: str) -> None:
        self.lines = text.splitlines()
        self.source = source

    def fail(self, lineno: int, message: str) -> TallyError:
        return TallyError(f"{self.source}, line {lineno}: {message}")

    def split(self, lineno: int) -> list[str]:
        line = self.lines[lineno - 1]
        if '"' not in line:
            return line.split(";")  # the common case; csv only for quoted fields
        try:
            return next(csv.reader([self.lines[lineno - 1]], delimiter=";"))
        except (csv.Error, StopIteration) as exc:
            raise self.fail(lineno, f"cannot read the line ({exc})") from None

    def sections(self) -> dict[str, tuple[int, list[str], list[tuple[int, list[str]]]]]:
        """Map section name -> (header line number, header cells, [(line number, cells)])."""
        found: dict[str, tuple[int, list[str], list[tuple[int, list[str]]]]] = {}
        current: str | None = None
        for lineno, raw in enumerate(self.lines, start=1):
            line = raw.strip().lstrip("\ufeff")
            if not line:
                continue
            if line in SECTIONS:
                if line in found:
                    raise self.fail(lineno, f"section {line} appears twice")
                current = line
                found[line] = (0, [], [])
                continue
            if current is None:
                raise self.fail(lineno, "expected a section title (META, PROJECTS or VOTES)")
            header_line, header, rows = found[current]
            cells = [c.strip() for c in self.split(lineno)] if header else self.split(lineno)
            cells = [c.strip() for c in cells]
            if not header:
                found[current] = (lineno, cells, rows)
            else:
                if len(cells) > len(header):
                    raise self.fail(lineno, f"{len(cells)} fields but the {current} header has "
                                            f"{len(header)}")
                rows.append((lineno, cells + [""] * (len(header) - len(cells))))
        for name in SECTIONS:
            if name not in found:
                raise TallyError(f"{self.source}: missing section {name}")
            if not found[name][1]:
                raise TallyError(f"{self.source}: section {name} has no header line")
        return found


def _decimal(reader: _Reader, lineno: int, text: str, what: str) -> Decimal:
    try:
        value = Decimal(text.replace(",", "."))
    except InvalidOperation:
        raise reader.fail(lineno, f"{what} {text!r} is not a number") from None
    if not value.is_finite():
        raise reader.fail(lineno, f"{what} {text!r} is not a number")
    return value


def _places(value: Decimal) -> int:
    exponent = value.normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def parse_pb(text: str, source: str = "<pb>") -> PbFile:
    """Parse the text of a `.pb` file. Raises TallyError naming the line of any problem."""
    reader = _Reader(text, source)
    sections = reader.sections()
    meta = _parse_meta(reader, sections["META"])
    kind = meta.get("vote_type", "").strip()
    if kind not in KINDS:
        raise TallyError(f"{source}: vote_type {kind!r} is not supported (only ordinal, approval)")
    if "budget" not in meta:
        raise TallyError(f"{source}: META has no budget")
    budget_line = next(n for n, cells in sections["META"][2] if cells[0] == "budget")
    budget = _decimal(reader, budget_line, meta["budget"], "budget")
    raw_projects, project_fields = _parse_projects(reader, sections["PROJECTS"])
    places = max([_places(budget)] + [_places(c) for _, _, c in raw_projects])
    scale = 10**places
    projects = []
    for lineno, pid, cost in raw_projects:
        if cost < 0:
            raise reader.fail(lineno, f"project {pid} has a negative cost")
        projects.append(Project(pid, int(cost * scale), project_fields[pid].get("name", "")))
    if budget <= 0:
        raise reader.fail(budget_line, "the budget must be positive")
    ballots = _parse_votes(reader, sections["VOTES"], {p.id for p in projects})
    max_ranks = None
    if kind == "ordinal" and meta.get("max_length", "").strip():
        try:
            max_ranks = int(meta["max_length"])
        except ValueError:
            raise TallyError(f"{source}: max_length {meta['max_length']!r} is not an integer") from None
    election = Election(
        projects=tuple(projects),
        budget=int(budget * scale),
        ballots=ballots,
        max_ranks=max_ranks,
        kind=kind,  # type: ignore[arg-type]
        money_decimals=places,
        meta=tuple(meta.items()),
    )
    return PbFile(election, project_fields, meta)


def _parse_meta(reader: _Reader, section: tuple[int, list[str], list[tuple[int, list[str]]]]) -> dict[str, str]:
    meta: dict[str, str] = {}
    header_line, header, rows = section
    if header[:2] != ["key", "value"]:
        raise reader.fail(header_line, "the META header must be key;value")
    for lineno, cells in rows:
        if not cells[0]:
            raise reader.fail(lineno, "META line without a key")
        meta[cells[0]] = cells[1] if len(cells) > 1 else ""
    return meta


def _parse_projects(
    reader: _Reader, section: tuple[int, list[str], list[tuple[int, list[str]]]]
) -> tuple[list[tuple[int, str, Decimal]], dict[str, dict[str, str]]]:
    header_line, header, rows = section
    for column in ("project_id", "cost"):
        if column not in header:
            raise reader.fail(header_line, f"the PROJECTS header has no {column} column")
    id_col, cost_col = header.index("project_id"), header.index("cost")
    out: list[tuple[int, str, Decimal]] = []
    fields_by_id: dict[str, dict[str, str]] = {}
    for lineno, cells in rows:
        pid = cells[id_col]
        if not pid:
            raise reader.fail(lineno, "project without an id")
        if pid in fields_by_id:
            raise reader.fail(lineno, f"project {pid} is listed twice")
        if not cells[cost_col]:
            raise reader.fail(lineno, f"project {pid} has no cost")
        out.append((lineno, pid, _decimal(reader, lineno, cells[cost_col], "cost")))
        fields_by_id[pid] = dict(zip(header, cells, strict=True))
    return out, fields_by_id


def _parse_votes(
    reader: _Reader, section: tuple[int, list[str], list[tuple[int, list[str]]]], known: set[str]
) -> list[tuple[str, ...]]:
    header_line, header, rows = section
    if "vote" not in header:
        raise reader.fail(header_line, "the VOTES header has no vote column")
    vote_col = header.index("vote")
    ballots: list[tuple[str, ...]] = []
    cache: dict[str, tuple[str, ...]] = {}
    for lineno, cells in rows:
        text = cells[vote_col]
        ballot = cache.get(text)
        if ballot is None:
            ballot = tuple(x.strip() for x in text.split(",")) if text else ()
            for pid in ballot:
                if pid not in known:
                    raise reader.fail(lineno, f"vote names unknown project {pid!r}")
            if len(set(ballot)) != len(ballot):
                raise reader.fail(lineno, "vote names a project more than once")
            cache[text] = ballot
        ballots.append(ballot)
    return ballots


def read_pb(path: str | Path) -> PbFile:
    """Read a `.pb` file from disk (UTF-8)."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise TallyError(f"{p.name}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    return parse_pb(text, source=p.name)


def _money(value: int, places: int) -> str:
    if places == 0:
        return str(value)
    return str(Decimal(value).scaleb(-places))


def format_pb(election: Election, extra_meta: Iterable[tuple[str, str]] = ()) -> str:
    """Write `election` as `.pb` text (one VOTES line per voter)."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\n")
    meta = dict(election.meta)
    meta.update(extra_meta)
    meta.update({
        "num_projects": str(len(election.projects)),
        "num_votes": str(election.num_voters),
        "budget": _money(election.budget, election.money_decimals),
        "vote_type": election.kind,
    })
    if election.kind == "ordinal" and election.max_ranks is not None:
        meta["max_length"] = str(election.max_ranks)
    out.write("META\n")
    writer.writerow(["key", "value"])
    for key, value in meta.items():
        writer.writerow([key, value])
    out.write("PROJECTS\n")
    writer.writerow(["project_id", "cost", "name"])
    for p in election.projects:
        writer.writerow([p.id, _money(p.cost, election.money_decimals), p.name])
    out.write("VOTES\n")
    writer.writerow(["voter_id", "vote"])
    counts = election.counts or (1,) * len(election.ballots)
    voter = 0
    for ballot, n in zip(election.ballots, counts, strict=True):
        line = ",".join(ballot)
        for _ in range(n):
            voter += 1
            writer.writerow([voter, line])
    return out.getvalue()


def write_pb(election: Election, path: str | Path) -> None:
    """Write `election` to a `.pb` file."""
    Path(path).write_text(format_pb(election), encoding="utf-8")
