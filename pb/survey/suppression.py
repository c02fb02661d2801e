"""Small-cell protection: pure functions, no database, no Flask.

Primary suppression hides every cell from 1 to `threshold - 1` (public pages: 20, staff
pages: 11, the CMS rule). Zero is shown: it names nobody. Complementary suppression (also
the CMS rule): when a row or column whose total is shown has exactly one hidden cell, the
next smallest shown cell is hidden too, so nobody can recover the hidden cell by subtracting
the others from the total; if no other cell exists, the total is hidden instead. The same
rule applies to the row totals and the column totals against the grand total. It repeats
until nothing changes, because hiding a cell in a column can leave its row with one hidden cell.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

PUBLIC_MIN = 20  # DESIGN: nothing is published in a breakdown with fewer than 20
STAFF_MIN = 11  # CMS cell suppression policy: no cell of 1 to 10


@dataclass(frozen=True)
class Table:
    """A suppressed table: a value of None is hidden."""

    rows: tuple[str, ...]
    cols: tuple[str, ...]
    cells: dict[tuple[str, str], int | None]
    row_totals: dict[str, int | None]
    col_totals: dict[str, int | None]
    total: int | None


def _small(value: int, threshold: int) -> bool:
    return 0 < value < threshold


def _next_to_hide(members: list, values: dict, hidden: set):
    """The shown member to hide next to a lone hidden one: the smallest non-zero (a hidden zero
    protects little), else the smallest zero; None when no member is left to hide."""
    shown = [key for key in members if key not in hidden]
    ranked = sorted(shown, key=lambda key: (values[key] == 0, values[key], str(key)))
    return ranked[0] if ranked else None


def suppress(values: dict, lines: list[tuple[object, list]], threshold: int, derived: tuple = ()) -> dict:
    """Primary and complementary suppression over `values` (cells and totals alike).

    Each line is (total key, member keys): the members add up to the total. `derived` keys
    are totals anyone can compute from what is shown, so hiding them would protect nothing:
    they are never hidden. A value of None in the result is hidden.
    """
    hidden = {key for key, value in values.items() if _small(value, threshold) and key not in derived}
    changed = True
    while changed:
        changed = False
        for total_key, members in lines:
            if total_key in hidden or sum(1 for key in members if key in hidden) != 1:
                continue  # a hidden total gives nothing to subtract from
            extra = _next_to_hide(members, values, hidden)
            hidden.add(total_key if extra is None else extra)
            changed = True
    return {key: (None if key in hidden else value) for key, value in values.items()}


def suppress_table(values: dict[tuple[str, str], int], rows, cols, threshold: int) -> Table:
    """A rows x cols table of counts with row, column and grand totals."""
    rows, cols = tuple(rows), tuple(cols)
    cells = {(r, c): int(values.get((r, c), 0)) for r in rows for c in cols}
    everything = dict(cells)
    everything |= {("row", r): sum(cells[r, c] for c in cols) for r in rows}
    everything |= {("col", c): sum(cells[r, c] for r in rows) for c in cols}
    everything["grand"] = sum(cells.values())
    lines = [(("row", r), [(r, c) for c in cols]) for r in rows]
    lines += [(("col", c), [(r, c) for r in rows]) for c in cols]
    lines += [("grand", [("row", r) for r in rows]), ("grand", [("col", c) for c in cols])]
    out = suppress(everything, lines, threshold)
    return Table(rows=rows, cols=cols, cells={k: out[k] for k in cells},
                 row_totals={r: out["row", r] for r in rows}, col_totals={c: out["col", c] for c in cols},
                 total=out["grand"])


def suppress_counts(values: dict[str, int], threshold: int) -> Table:
    """A one-row table (the bands of one question, say) with its total."""
    return suppress_table({("all", key): n for key, n in values.items()}, ["all"], list(values), threshold)


def suppress_question(counts: dict[str, int], substantive: list[str], threshold: int) -> dict:
    """One question's counts, where shares of the substantive bands are also shown.

    A share reveals its denominator (the people who gave a band), so that sum is a total
    too: the bands add up to "given". The other keys ("prefer not to say", "not answered")
    add up to "others" = "total" - "given", which anyone can compute once "given" and "total"
    are shown, so a lone hidden one among them always takes the other with it.
    Result keys: every count key, "given", "others" and "total".
    """
    others = [key for key in counts if key not in substantive]
    given = sum(counts[key] for key in substantive)
    rest = sum(counts[key] for key in others)
    values = dict(counts) | {"given": given, "others": rest, "total": given + rest}
    lines = [("given", list(substantive)), ("others", others), ("total", ["given", "others"])]
    out = suppress(values, lines, threshold, derived=("others",))
    if out["given"] is None or out["total"] is None:
        out["others"] = None  # no longer derivable, so not shown either
    return out


def share(part: int, whole: int) -> Fraction | None:
    """part / whole, or None when the whole is zero."""
    return Fraction(part, whole) if whole else None


def representation_ratio(participants: int, participants_total: int,
                         population: int, population_total: int) -> Fraction | None:
    """Share of participants ÷ share of population: 1 is parity, under 1 under-represented.

    None when a share cannot be computed (an empty total or a band nobody lives in).
    """
    part, pop = share(participants, participants_total), share(population, population_total)
    if part is None or not pop:
        return None
    return part / pop


def suppress_views(counts: dict[tuple, int], views: list, parts: list, dims: dict[str, list],
                   substantive: list[str], others: list[str], threshold: int) -> dict:
    """One question's tables in every view at once, so no table undoes another's suppression.

    A staff report shows, for all areas and for each area ("views"; `parts` are the views that
    add up to the first, including people who gave no area, which no page shows), the question's
    counts with their shares and, per dimension (channel, language), a crosstab whose row totals
    are those counts. Suppressed one by one, the all-areas table minus the shown areas gives a
    hidden area's cell, and a crosstab's row total gives a band the comparison hid. Here every
    cell and total of every table is one key, every "adds up to" relation is one line, and the
    primary and complementary rule runs over all of them together.

    counts: (view, column, band) → n, where column is "*" (the question's own count) or
    (dimension, value). Result keys: those, plus (view, "given" | "others" | "total") and
    (view, column, "total"); None is hidden.
    """
    bands = [*substantive, *others]
    values: dict = {}
    lines: list = []
    for view in views:
        cell = {(col, band): counts.get((view, col, band), 0)
                for col in ["*", *[(d, c) for d, cols in dims.items() for c in cols]] for band in bands}
        values |= {(view, col, band): n for (col, band), n in cell.items()}
        given, rest = sum(cell["*", b] for b in substantive), sum(cell["*", b] for b in others)
        values |= {(view, "given"): given, (view, "others"): rest, (view, "total"): given + rest}
        lines += [((view, "given"), [(view, "*", b) for b in substantive]),
                  ((view, "others"), [(view, "*", b) for b in others]),
                  ((view, "total"), [(view, "given"), (view, "others")])]
        for dim, cols in dims.items():
            for c in cols:
                values[view, (dim, c), "total"] = sum(cell[(dim, c), b] for b in bands)
                lines.append(((view, (dim, c), "total"), [(view, (dim, c), b) for b in bands]))
            lines += [((view, "*", b), [(view, (dim, c), b) for c in cols]) for b in bands]
            lines.append(((view, "total"), [(view, (dim, c), "total") for c in cols]))
    whole = views[0]
    keys_of_a_view = [key[1:] for key in values if key[0] == whole]
    lines += [((whole, *key), [(part, *key) for part in parts]) for key in keys_of_a_view]
    out = suppress(values, lines, threshold, derived=tuple((view, "others") for view in views))
    for view in views:
        if out[view, "given"] is None or out[view, "total"] is None:
            out[view, "others"] = None  # no longer derivable, so not shown either
    return out
