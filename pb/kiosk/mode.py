"""Kiosk mode on a shared device: the one check every kiosk page (and the kiosk's survey) runs."""

from __future__ import annotations

from flask import abort, redirect, session, url_for

from pb.kiosk.models import KioskSession
from pb.kiosk.queries import get_or_404


def this_kiosk(kiosk_id: int, *, closed_too: bool = False) -> KioskSession:
    """This device's kiosk. Kiosk mode ends only with the liaison's password (`kiosk.exit`): the
    address of any other kiosk leads back to this one's start screen, and so does every page
    but the start and exit screens once staff have closed this kiosk (the device stays locked)."""
    own = session.get("kiosk")
    if own is None:
        abort(404)  # not a device in kiosk mode
    if own != kiosk_id:
        abort(redirect(url_for("kiosk.start", kiosk_id=own)))
    kiosk = get_or_404(KioskSession, kiosk_id)
    if kiosk.closed_at is not None and not closed_too:
        abort(redirect(url_for("kiosk.start", kiosk_id=own)))
    return kiosk
