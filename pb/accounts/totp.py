"""Time-based one-time passwords (RFC 6238, the codes of any authenticator app), stdlib only."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import struct
from urllib.parse import quote, urlencode

STEP_SECONDS = 30
DIGITS = 6
DRIFT_STEPS = 1  # accept the previous and the next code too: phone clocks drift


def new_secret() -> str:
    """160 random bits in base32, as authenticator apps expect."""
    return base64.b32encode(secrets.token_bytes(20)).decode().rstrip("=")


def _key(secret: str) -> bytes:
    return base64.b32decode(secret + "=" * (-len(secret) % 8), casefold=True)


def code_at(secret: str, step: int, digits: int = DIGITS) -> str:
    """The HOTP value (RFC 4226) of `secret` for counter `step`."""
    digest = hmac.new(_key(secret), struct.pack(">Q", step), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset:offset + 4])[0] & 0x7FFFFFFF
    return str(value % 10**digits).zfill(digits)


def step_of(now: float) -> int:
    return int(now // STEP_SECONDS)


def matching_step(secret: str, code: str, *, now: float, after: int | None) -> int | None:
    """The time step whose code this is (within the drift), if later than `after`; else None.

    Refusing steps at or before `after` means an observed code cannot be replayed.
    """
    code = "".join(code.split())
    if len(code) != DIGITS or not code.isascii() or not code.isdigit():
        return None
    current = step_of(now)
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        if (after is None or step > after) and hmac.compare_digest(code_at(secret, step), code):
            return step
    return None


def provisioning_uri(secret: str, account: str, issuer: str) -> str:
    """The otpauth:// address an authenticator app reads from a QR code."""
    label = quote(f"{issuer}:{account}")
    return f"otpauth://totp/{label}?" + urlencode({"secret": secret, "issuer": issuer,
                                                   "digits": DIGITS, "period": STEP_SECONDS})


def mask(secret: str, *, key: str, user_id: int) -> str:
    """Store a secret XOR-ed with a pad derived from `key`: a database reader alone cannot
    copy someone's second factor. Applying it twice gives the secret back."""
    raw = _key(secret)
    pad = hmac.new(key.encode(), f"totp\x1f{user_id}".encode(), hashlib.sha256).digest()[:len(raw)]
    return base64.b32encode(bytes(a ^ b for a, b in zip(raw, pad, strict=True))).decode().rstrip("=")
