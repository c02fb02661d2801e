"""Read and write the pabulib `.pb` format (ordinal and approval ballots).

A `.pb` file has three sections, each a title line followed by a `;`-separated header and
rows: META (key;value), PROJECTS (project_id;cost;...), VOTES (voter_id;vote;...). Votes
list project ids separated by commas, most preferred first. Extra columns are kept as text.
Decimal costs are scaled to integers by one common power of ten (`money_decimals`).
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING

from pb.tally.errors import TallyError
from pb.tally.model import Election, Project

if TYPE_CHECKING:
    import numpy as np

    from pb.tally.compress import Profile

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


_VOTES_TITLE = re.compile(rb"^(?:[ \t]|\xef\xbb\xbf)*VOTES[ \t\r]*$", re.M)  # BOMs, in UTF-8
# str.splitlines breaks other than \n and \r, in UTF-8: \x0b \x0c \x1c \x1d \x1e \x85 \u2028 \u2029
_ODD_BREAKS = (b"\x0b", b"\x0c", b"\x1c", b"\x1d", b"\x1e", b"\xc2\x85", b"\xe2\x80\xa8",
               b"\xe2\x80\xa9")
_BLANK = re.compile(r"^[ \t\r\f\v]*$", re.M)
CHUNK = 1 << 20  # characters of the VOTES section scanned per progress step


def read_pb_profile(path: str | Path, max_ranks: int | None = None,
                    progress: Callable[[int, int], None] | None = None) -> tuple[PbFile, Profile]:
    """Read a `.pb` file straight into a compressed Profile, without a tuple per voter.

    META and PROJECTS are parsed as by `read_pb`. The VOTES section is read from the file's
    bytes by `votescan.scan_votes` into distinct rankings and their voter counts (integer
    arrays), which become the same Profile that `compress(read_pb(path).election)` gives
    (same matrix, weights and digest). A section the scanner does not read exactly (spaces
    around ids, a short line) is scanned with one regular expression for the vote column,
    and identical vote texts are counted in a Counter. Any other irregular line (quotes,
    too many fields, a bad vote) sends the file through `read_pb`, so errors are the same
    and name the line. `progress(done, total)` is called as the section is scanned. The
    PbFile's election has no ballots: the Profile holds them.

    Only META and PROJECTS become text: the file is searched as UTF-8 bytes (every
    character searched for is ASCII or searched for as its UTF-8 bytes, and no ASCII byte
    occurs inside another character's), and the VOTES section is decoded only to check
    that it is UTF-8 (not even that when every byte is ASCII) or when a slower reader runs.
    """
    from pb.tally.compress import compress, compress_counts  # compress imports this module
    from pb.tally.formats.votescan import scan_votes  # NumPy

    p = Path(path)
    data = p.read_bytes()
    if not data.isascii():
        try:
            data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise TallyError(f"{p.name}: not UTF-8 text ({exc.reason} at byte {exc.start})") \
                from None
    if b"\r" in data:  # universal newlines, as reading in text mode (read_pb) gives
        data = data.replace(b"\r\n", b"\n").replace(b"\r", b"\n")

    def slow() -> tuple[PbFile, Profile]:
        pb = parse_pb(data.decode("utf-8-sig"), source=p.name)
        return pb, compress(_with_ranks(pb.election, max_ranks))

    titles = _votes_titles(data)
    if len(titles) != 1:
        return slow()
    tail = titles[0]
    if _occurs(data, tail, (b'"', *_ODD_BREAKS, b"\nMETA", b"\nPROJECTS")):
        return slow()  # quoted fields, other line breaks, maybe sections after VOTES
    head_end = data.find(b"\n", tail + 1)
    if head_end < 0:
        return slow()
    pb = parse_pb(data[:head_end + 1].decode("utf-8-sig"), source=p.name)
    header = [c.strip() for c in data[tail:head_end].decode().strip().split(";")]
    e = _with_ranks(pb.election, max_ranks)
    projects = tuple(sorted(e.projects, key=lambda q: q.id))
    scanned = scan_votes(data, head_end + 1, header, [q.id for q in projects], progress)
    if scanned is not None:
        profile = _scanned_profile(e, projects, *scanned)
        if profile is not None:
            return pb, profile
    text = data.decode("utf-8-sig")
    head_end = len(data[:head_end].decode("utf-8-sig"))  # in characters
    col = header.index("vote")
    # the vote column of a line with at most as many fields as the header; any other line
    # does not match, and the count of matches against lines catches it
    extra = len(header) - col - 1
    pick = re.compile(rf"^(?:[^;\n]*;){{{col}}}([^;\n]*)(?:;[^;\n]*){{0,{extra}}}$", re.M)
    counts: Counter[str] = Counter()
    pos, size = head_end + 1, len(text)
    while pos < size:
        end = text.find("\n", min(pos + CHUNK, size))
        end = size if end < 0 else end
        found = pick.findall(text, pos, end)
        lines = text.count("\n", pos, end) + 1
        if len(found) != lines and len(found) != lines - len(_BLANK.findall(text, pos, end)):
            return slow()  # a line the fast scan does not read like parse_pb: let it explain
        counts.update(found)
        pos = end + 1
        if progress is not None:
            progress(min(pos, size) - head_end - 1, size - head_end - 1)
    ballots: Counter[tuple[str, ...]] = Counter()
    for vote, n in counts.items():
        vote = vote.strip()
        ballots[tuple(x.strip() for x in vote.split(",")) if vote else ()] += n
    try:
        profile = compress_counts(e.projects, e.budget, e.kind, e.max_ranks, e.money_decimals,
                                  ballots)
    except TallyError:
        return slow()  # the line-by-line reader names the offending line
    return pb, profile


def _occurs(data: bytes, start: int, needles: Iterable[bytes]) -> bool:
    """Whether any of `needles` occurs in `data[start:]`.

    A needle's second byte is looked for first: a one-byte search is a memchr, 20-30 times
    faster than CPython's search for a longer needle, and these bytes are rare in a VOTES
    section (M, P, or past ASCII), so the whole needle is rarely searched for.
    """
    return any(data.find(n[1:2] or n, start) >= 0 and data.find(n, start) >= 0 for n in needles)


def _votes_titles(data: bytes) -> list[int]:
    """Where each VOTES title line ends (`_VOTES_TITLE`, tried only where "VOTES" occurs)."""
    ends = []
    at = data.find(b"VOTES")
    while at >= 0:
        title = _VOTES_TITLE.match(data, data.rfind(b"\n", 0, at) + 1)
        if title is not None:
            ends.append(title.end())
        at = data.find(b"VOTES", at + 1) if data.find(b"V", at + 1) >= 0 else -1  # see _occurs
    return ends


def _scanned_profile(e: Election, projects: tuple[Project, ...], matrix: np.ndarray,
                     weights: np.ndarray) -> Profile | None:
    """The Profile of the scanner's distinct rankings (indices into the sorted `projects`).

    None when a ballot is invalid (more than K ranks, a project twice): the caller then
    reads the file line by line, which names the line.
    """
    import numpy as np

    from pb.tally.compress import duplicate_row, profile_from_matrix  # compress imports this module

    longest = matrix.shape[1] if np.any(matrix[:, -1] >= 0) else 0  # see scan_votes
    k = e.max_ranks if e.max_ranks is not None else longest
    if e.kind == "ordinal" and longest > k:
        return None
    width = max(k, longest, 1)
    if width > matrix.shape[1]:
        matrix = np.pad(matrix, ((0, 0), (0, width - matrix.shape[1])), constant_values=-1)
    if duplicate_row(matrix) is not None:
        return None
    return profile_from_matrix(projects, e.budget, e.kind, max(k, longest), matrix, weights,
                               e.money_decimals, canonical=True)


def _with_ranks(election: Election, max_ranks: int | None) -> Election:
    """The election with K replaced when the caller gives one."""
    if max_ranks is None:
        return election
    return Election(election.projects, election.budget, election.ballots, max_ranks,
                    election.counts, election.kind, election.money_decimals, election.meta)


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
