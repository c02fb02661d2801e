"""Printable access-code sheets: each code with a QR code that opens the vote page."""

from __future__ import annotations

import segno
from flask import url_for


def qr_data_uri(cycle_slug: str, code: str) -> str:
    url = url_for("voting.start", slug=cycle_slug, code=code, _external=True)
    return segno.make(url, error="m").svg_data_uri(scale=3, border=2)
