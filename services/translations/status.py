"""Translation staleness: per unit missing / outdated / current, and progress per language.

Public API:
    TranslationState (enum): MISSING, OUTDATED, CURRENT
    unit_state(unit, translation_or_None) -> TranslationState
    save_translation(session, document, unit_key, language, text, *, source_hash,
                     translator="") -> UnitTranslation          (insert or update)
    translations_for(session, document, language) -> dict[unit_key, UnitTranslation]
    languages(session, document) -> list[str]                    languages with any text
    unit_states(revision, translations) -> dict[unit_key, TranslationState]
    progress(session, revision, language) -> Progress
    progress_by_language(session, revision) -> list[Progress]    sorted by language
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.translations.models import UnitTranslation


class TranslationState(enum.Enum):
    MISSING = "missing"
    OUTDATED = "outdated"
    CURRENT = "current"


def unit_state(unit: Any, translation: Any | None) -> TranslationState:
    """A translation is current only if it was made from the unit's present text."""
    if translation is None:
        return TranslationState.MISSING
    if translation.source_hash != unit.text_hash:
        return TranslationState.OUTDATED
    return TranslationState.CURRENT


@dataclass(frozen=True)
class Progress:
    language: str
    total: int
    current: int
    outdated: int
    missing: int

    @property
    def percent(self) -> int:
        """Share of units with a current translation, rounded down."""
        return 100 * self.current // self.total if self.total else 0


def save_translation(
    session: Session,
    document: Any,
    unit_key: str,
    language: str,
    text: str,
    *,
    source_hash: str,
    translator: str = "",
) -> UnitTranslation:
    """Store the translation of one unit, replacing an earlier one."""
    if not text.strip():
        raise ValueError(f"translation of unit {unit_key!r} into {language!r} is empty")
    row = session.scalars(
        select(UnitTranslation).where(
            UnitTranslation.document_id == document.id,
            UnitTranslation.unit_key == unit_key,
            UnitTranslation.language == language,
        )
    ).one_or_none()
    if row is None:
        row = UnitTranslation(document_id=document.id, unit_key=unit_key, language=language)
        session.add(row)
    row.text = text
    row.source_hash = source_hash
    row.translator = translator
    row.updated_at = datetime.now(UTC).replace(tzinfo=None)
    session.flush()
    return row


def translations_for(session: Session, document: Any, language: str) -> dict[str, UnitTranslation]:
    rows = session.scalars(
        select(UnitTranslation).where(
            UnitTranslation.document_id == document.id, UnitTranslation.language == language
        )
    )
    return {row.unit_key: row for row in rows}


def languages(session: Session, document: Any) -> list[str]:
    return list(
        session.scalars(
            select(UnitTranslation.language)
            .where(UnitTranslation.document_id == document.id)
            .distinct()
            .order_by(UnitTranslation.language)
        )
    )


def unit_states(revision: Any, translations: Mapping[str, Any]) -> dict[str, TranslationState]:
    return {u.key: unit_state(u, translations.get(u.key)) for u in revision.units}


def _count(language: str, states: Mapping[str, TranslationState]) -> Progress:
    values = list(states.values())
    return Progress(
        language,
        len(values),
        values.count(TranslationState.CURRENT),
        values.count(TranslationState.OUTDATED),
        values.count(TranslationState.MISSING),
    )


def progress(session: Session, revision: Any, language: str) -> Progress:
    translations = translations_for(session, revision.document, language)
    return _count(language, unit_states(revision, translations))


def progress_by_language(session: Session, revision: Any) -> list[Progress]:
    return [
        progress(session, revision, language) for language in languages(session, revision.document)
    ]
