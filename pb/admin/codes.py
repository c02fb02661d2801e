"""Printable access-code sheets: each code with a QR code that opens the vote page."""

from __future__ import annotations

import segno

from pb.config import public_url


def qr_data_uri(cycle_slug: str, code: str) -> str:
    """The code rides in the URL fragment (#code=...), which browsers never send to a server,
    so it cannot land in an access log; a small script on the start page fills it in."""
    url = public_url("voting.start", slug=cycle_slug, _anchor=f"code={code}")
    return segno.make(url, error="m").svg_data_uri(scale=3, border=2)
