"""Per-unit translations: one text per document, unit key and language.

A translation remembers the source text it was made from (``source_hash`` = that unit's
``text_hash``), so when the source unit changes, the translation shows as outdated.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from services.db import Base
from services.documents.models import utcnow


class UnitTranslation(Base):
    __tablename__ = "unit_translations"
    __table_args__ = (UniqueConstraint("document_id", "unit_key", "language"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    unit_key: Mapped[str] = mapped_column(String(32))
    language: Mapped[str] = mapped_column(String(20))
    text: Mapped[str] = mapped_column(Text)
    # The text_hash of the source unit this was translated from.
    source_hash: Mapped[str] = mapped_column(String(64))
    translator: Mapped[str] = mapped_column(String(255), default="")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
