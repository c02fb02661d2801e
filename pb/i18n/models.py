from __future__ import annotations

from datetime import datetime

from sqlalchemy import Enum, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from pb.db import UTCDateTime, db, utcnow
from pb.enums import TranslationStatus


class ContentTranslation(db.Model):
    """One field of one object (cycle, area, idea, project, comment) in one more language.

    The original text stays on the object itself with its `locale`; this table holds the
    other languages, so a missing row is a visible "translation pending", never a silent gap.
    """

    __table_args__ = (UniqueConstraint("object_type", "object_id", "field", "locale"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    object_type: Mapped[str] = mapped_column(String(32))
    object_id: Mapped[int]
    field: Mapped[str] = mapped_column(String(32))
    locale: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text)
    # The original as it read when this translation was last saved or reviewed. Once the
    # original changes, the translation is stale: hidden until someone reviews it again.
    source_text: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[TranslationStatus] = mapped_column(
        Enum(TranslationStatus, native_enum=False, length=16), default=TranslationStatus.human
    )
    translator_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<ContentTranslation {self.object_type}:{self.object_id}.{self.field} {self.locale}>"
