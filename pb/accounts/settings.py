"""Settings staff change in the browser, stored in `site_setting` (read here, written by
pb.accounts.people, audited there)."""

from __future__ import annotations

from pb.accounts.models import SiteSetting
from pb.db import db

STAFF_TOTP = "staff_totp_required"


def staff_totp_required() -> bool:
    """Whether staff must sign in with a two-step code (set on the people page)."""
    setting = db.session.get(SiteSetting, STAFF_TOTP)
    return setting is not None and setting.value == "yes"
