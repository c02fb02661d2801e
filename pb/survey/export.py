"""CSV files that open safely in a spreadsheet: UTF-8 with a BOM (so Excel reads accents and
scripts), and no cell a spreadsheet would run as a formula."""

from __future__ import annotations

import csv
import io

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")  # tab and CR too: some spreadsheets skip them


def safe_cell(value) -> str:
    """A cell that begins like a formula gets a leading apostrophe (OWASP CSV injection)."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_text(rows) -> str:
    """The rows as CSV text starting with a byte-order mark."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for row in rows:
        writer.writerow([safe_cell(v) for v in row])
    return "\ufeff" + out.getvalue()
