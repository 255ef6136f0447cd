"""The demo's feedback step: a consultation on the published definition, comments by the demo
users Alice and Bob on its talk pages in four languages (with replies), and their harvest.

    summary = seed_demo_feedback(config, wiki)     # wiki: the stack's LocalWiki
    for line in summary["lines"]: print(line)

Safe to run again: an open consultation on the definition is reused, the comments are only
written when the definition's talk page does not exist yet, and harvesting twice changes
nothing.
"""

from __future__ import annotations

import time
from typing import Any

from services.config import Config
from services.db import Database

DOCUMENT = "leadership-definition"
LANGUAGES = ("fr", "pl", "ar")
PROMPTS = (
    "Does the definition describe leadership as you see it in your community?",
    "Which quality or action of leaders is missing, or should be said differently?",
)


def _threads(talk: str) -> list[tuple[str, list[dict]]]:
    """Who writes what where, in the order it must be written (replies after their parent)."""
    return [
        (
            "Alice",
            [
                {
                    "title": talk,
                    "summary": "feedback on the definition",
                    "append": "== Qualities of leaders ==\nI would add patience to the qualities of leaders: "
                    "resilience alone does not say that good leaders give people time to grow. ~~~~",
                },
                {
                    "title": f"{talk}/pl",
                    "summary": "uwagi",
                    "append": "== Cechy liderów ==\nUważam, że empatia powinna być na pierwszym miejscu wśród "
                    "cech lidera, bo bez niej trudno budować zaufanie w społeczności. ~~~~",
                },
            ],
        ),
        (
            "Bob",
            [
                {
                    "title": talk,
                    "summary": "reply",
                    "append": ':I agree with Alice. "Ability to listen to understand" covers part of it, but '
                    "patience deserves its own line. ~~~~",
                },
                {
                    "title": f"{talk}/fr",
                    "summary": "retour",
                    "append": "== Un effort collectif ==\nLa définition est claire, mais l'idée que le "
                    "leadership est un effort collectif mériterait un exemple concret tiré de nos "
                    "communautés. ~~~~",
                },
                {
                    "title": f"{talk}/ar",
                    "summary": "ملاحظات",
                    "append": "== التعريف ==\nأعتقد أن التعريف جيد وواضح، لكنه طويل بعض الشيء ويحتاج إلى "
                    "أمثلة من مجتمعاتنا المحلية. ~~~~",
                },
            ],
        ),
        (
            "Alice",
            [
                {
                    "title": f"{talk}/fr",
                    "summary": "réponse",
                    "append": ":Bonne idée : par exemple l'organisation d'un atelier de traduction par des "
                    "bénévoles sans chef désigné. ~~~~",
                },
                {
                    "title": f"{talk}/ar",
                    "summary": "رد",
                    "append": ":أوافق، ويمكن إضافة مثال عن تنظيم ورشة تحرير في الجامعة. ~~~~",
                },
            ],
        ),
    ]


def _open_consultation(db: Database) -> tuple[int, str]:
    from sqlalchemy import select

    from services.consultations import service
    from services.consultations.models import Consultation, ConsultationStatus
    from services.documents.store import require_document

    with db.session() as s:
        document = require_document(s, DOCUMENT)
        consultation = s.scalars(
            select(Consultation).where(
                Consultation.document_id == document.id,
                Consultation.status == ConsultationStatus.OPEN,
            )
        ).first()
        if consultation is None:
            languages = sorted(set(service.document_languages(s, document)) | set(LANGUAGES))
            consultation = service.open_consultation(
                s, DOCUMENT, languages=languages, prompts=PROMPTS
            )
        talk = service.talk_page_title(document.wiki_title)
        watched = {p.title for p in consultation.pages}
        for lang in LANGUAGES:
            if f"{talk}/{lang}" not in watched:
                service.add_watched_page(s, consultation.id, f"{talk}/{lang}", lang)
        return consultation.id, talk


def _harvest(config: Config, db: Database, consultation_id: int, attempts: int = 20):
    """Harvest under the consultation's lock, waiting while the worker's harvest runs."""
    from services.worker.tasks.harvest import HarvestLocked, harvest_exclusively

    for attempt in range(attempts):
        try:
            return harvest_exclusively(config, db, consultation_id)
        except HarvestLocked:
            if attempt == attempts - 1:
                raise
            time.sleep(1.0)


def seed_demo_feedback(config: Config, wiki, db: Database | None = None) -> dict[str, Any]:
    """Open the demo consultation, let Alice and Bob comment, harvest; what was taken in."""
    from bots.environment import prepare_pywikibot

    prepare_pywikibot()
    import pywikibot

    from bots.site import get_site
    from services.consultations import service

    db = db or Database(config)
    consultation_id, talk = _open_consultation(db)
    site = get_site(config, login=True)
    wrote = 0
    if not pywikibot.Page(site, talk).exists():
        for user, edits in _threads(talk):
            wrote += len(wiki.edit_as(user, edits))
    report = _harvest(config, db, consultation_id)
    with db.session() as s:
        summary = service.summarize(s, service.require_consultation(s, consultation_id))
    lines = [
        f'feedback: consultation #{consultation_id} "{summary["title"]}" '
        f"({summary['status']}); {wrote} comments written by Alice and Bob",
        f"feedback: harvest took in {report.counts.new} new, {report.counts.edited} "
        f"edited, {report.counts.hidden} hidden comments "
        f"({report.requests} requests, {report.seconds:.1f} s)",
    ]
    by_language = ", ".join(f"{k}: {v}" for k, v in summary["comments_by_language"].items())
    lines.append(f"feedback: {summary['comments']} comments in the store ({by_language})")
    for page in summary["pages"]:
        if page["comments"]:
            noun = "comment" if page["comments"] == 1 else "comments"
            lines.append(
                f"feedback:   {page['title']} [{page['language']}] "
                f"{page['comments']} {noun}  {wiki.page_url(page['title'])}"
            )
    for problem in report.problems[:5]:
        lines.append(f"feedback:   ! {problem}")
    return {**summary, "written": wrote, "harvest": report.as_dict(), "lines": lines}
