from __future__ import annotations

from sqlalchemy import BigInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from pb.db import db


class RateCounter(db.Model):
    """Hits of one rate-limit key in one fixed time window, shared by every app server.

    The key is stored only as a keyed hash: the table never holds an email or an access code.
    """

    key_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    window_start: Mapped[int] = mapped_column(BigInteger, primary_key=True)  # epoch seconds
    hits: Mapped[int] = mapped_column(default=0)
    expires: Mapped[int] = mapped_column(BigInteger, index=True)  # epoch seconds; pruned after

    def __repr__(self) -> str:
        return f"<RateCounter {self.key_hash[:8]} {self.window_start} {self.hits}>"
