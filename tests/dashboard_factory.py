"""Rows for dashboard and API tests, made directly with the models (no harvest, no wiki)."""

from __future__ import annotations

import hashlib
import re
from datetime import datetime, timedelta

from werkzeug.security import generate_password_hash

from services.consultations.models import Consultation, ConsultationStatus
from services.documents.models import Document, Revision, Unit, UnitKind
from services.feedback.models import Anchor, AnchorMethod, Comment, Theme, TriageStatus
from services.web.auth.models import Role
from services.web.auth.users import create_user

PASSWORD = "correct horse battery staple"
START = datetime(2024, 3, 1, 9, 0, 0)

DEFINITION = [
    (UnitKind.HEADING, "Broad overarching definition"),
    (
        UnitKind.PARAGRAPH,
        "Leadership can be understood as the ability to guide, inspire, build "
        "autonomy, encourage and motivate a group of people towards a shared goal.",
    ),
    (
        UnitKind.PARAGRAPH,
        "Leadership is multifaceted: it manifests differently depending on "
        "linguistic and socio-cultural contexts.",
    ),
    (UnitKind.LIST_ITEM, "Resilience: Ability to push through challenges."),
]


def _hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def document(
    s, slug: str = "leadership-definition", units=DEFINITION, language: str = "en"
) -> tuple[Document, Revision, list[Unit]]:
    doc = Document(
        slug=slug,
        title=slug.replace("-", " ").title(),
        wiki_title=f"Convene/{slug}",
        language=language,
    )
    s.add(doc)
    s.flush()
    rev = Revision(
        document_id=doc.id,
        number=1,
        label="October 2022",
        author="LDWG",
        content_hash=_hash(repr(units)),
    )
    s.add(rev)
    s.flush()
    rows = []
    for position, (kind, text) in enumerate(units):
        key = "u" + _hash(f"{slug}:{position}")[:6]
        rows.append(
            Unit(
                revision_id=rev.id,
                key=key,
                position=position,
                kind=kind,
                level=2 if kind is UnitKind.HEADING else (1 if kind is UnitKind.LIST_ITEM else 0),
                text=text,
                text_hash=_hash(text),
            )
        )
    s.add_all(rows)
    s.flush()
    return doc, rev, rows


def consultation(s, revision: Revision, title: str = "Feedback on the definition") -> Consultation:
    c = Consultation(
        document_id=revision.document_id,
        revision_id=revision.id,
        title=title,
        status=ConsultationStatus.OPEN,
        opens_at=START,
    )
    s.add(c)
    s.flush()
    return c


_counter = iter(range(1, 10**9))


def comment(
    s,
    consultation: Consultation,
    text: str = "I think this is a good start.",
    *,
    author: str | None = "Alice",
    language: str = "en",
    posted_at=...,
    status: TriageStatus = TriageStatus.NEW,
    page_title: str = "Talk:Convene/definition",
    heading: str = "Feedback",
    parent: Comment | None = None,
    html: str | None = None,
    units: tuple[str, ...] = (),
    themes: tuple[str, ...] = (),
    hidden=None,
    wiki_revid: int | None = 100,
    level: int | None = None,
) -> Comment:
    n = next(_counter)
    if posted_at is ...:  # None is a real value: an undated comment
        posted_at = START + timedelta(hours=n)
    safe_author = re.sub(r"\W", "_", author or "unsigned")
    item_id = (
        f"c-{safe_author}-{posted_at:%Y%m%d%H%M%S}-{n}" if posted_at else f"c-{safe_author}-{n}"
    )
    c = Comment(
        consultation_id=consultation.id,
        page_title=page_title,
        item_id=item_id,
        parent_item_id=parent.item_id if parent else None,
        heading=heading,
        author=author,
        posted_at=posted_at,
        level=level if level is not None else (parent.level + 1 if parent else 1),
        text_html=html if html is not None else f"<p>{text}</p>",
        text_plain=text,
        language=language,
        wiki_revid=wiki_revid,
        status=status,
        hidden_reason=hidden,
    )
    for key in units:
        c.anchors.append(
            Anchor(
                unit_key=key,
                revision_id=consultation.revision_id,
                method=AnchorMethod.HEADING,
                confidence=0.9,
            )
        )
    for name in themes:
        theme = s.query(Theme).filter_by(consultation_id=consultation.id, name=name).one_or_none()
        c.themes.append(theme or Theme(consultation_id=consultation.id, name=name))
    s.add(c)
    s.flush()
    return c


# The product hashes with scrypt (~0.1 s a hash); tests sign in often, so the shared test
# password gets a cheap hash. check_password_hash reads the method from the hash itself.
_CHEAP_HASH = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")


def user(
    s, name: str, role: str | Role, consultations: list[int] | None = None, password: str = PASSWORD
):
    role = Role(role) if isinstance(role, str) else role
    if password != PASSWORD:
        return create_user(s, name, role, password=password, consultations=consultations)
    account = create_user(s, name, role, consultations=consultations)
    account.password_hash = _CHEAP_HASH
    return account


def scene(db) -> dict:
    """Two consultations with a handful of comments in three languages, and four users."""
    with db.session() as s:
        _, rev, units = document(s)
        _, rev2, units2 = document(s, slug="leadership-plan")
        c1 = consultation(s, rev)
        c2 = consultation(s, rev2, title="Feedback on the plan")
        first = comment(
            s,
            c1,
            "The definition should mention mentoring of newcomers.",
            units=(units[1].key,),
            themes=("mentoring",),
        )
        reply = comment(
            s,
            c1,
            "Agreed, mentoring matters a lot.",
            author="Bob",
            parent=first,
            units=(units[1].key,),
        )
        arabic = comment(
            s,
            c1,
            "القيادة عمل جماعي ويجب أن يشمل التعريف المجتمعات الصغيرة.",
            author="Salim",
            language="ar",
            units=(units[2].key,),
            page_title="Talk:Convene/definition/ar",
        )
        french = comment(
            s,
            c1,
            "La définition est trop longue pour être traduite facilement.",
            author="Élodie",
            language="fr",
            status=TriageStatus.IN_REVIEW,
        )
        hostile = comment(
            s,
            c1,
            "Look <script>alert(1)</script>",
            author="<img src=x onerror=alert(1)>",
            html='<p onclick="alert(1)">Look <script>alert(1)</script>'
            '<a href="javascript:alert(2)">here</a></p>',
        )
        other = comment(s, c2, "The plan needs a budget.", author="Carol")
        viewer = user(s, "Vera", "viewer")
        triager = user(s, "Tom", "triager")
        scoped = user(s, "Sam", "triager", consultations=[c2.id])
        admin = user(s, "Ada", "admin")
        return {
            "c1": c1.id,
            "c2": c2.id,
            "units": [u.key for u in units],
            "first": first.id,
            "reply": reply.id,
            "arabic": arabic.id,
            "french": french.id,
            "hostile": hostile.id,
            "other": other.id,
            "viewer": viewer.name,
            "triager": triager.name,
            "scoped": scoped.name,
            "admin": admin.name,
        }
