"""Taking what a harvest saw on the wiki into the feedback store, idempotently.

The harvest (``bots/harvest.py``) reads the wiki; this module only decides what the store
becomes. ``FeedbackIntake(session, consultation)`` holds one consultation's comments and
    apply_snapshot(page, snapshot) -> IntakeCounts
        upsert the comments seen in one revision of one watched page by (page, item id):
        new ones are stored with language, anchors and the revision that added them; an
        edited text keeps the old one as a CommentVersion; one that vanished is hidden
        (REMOVED) and comes back if it reappears (also when archived to another watched page)
    apply_snapshots([(page, snapshot), ...])   the same for several pages at once
    apply_flags(revisions) -> int
        the wiki's deletion flags are authoritative: a comment whose adding revision is
        text-hidden, user-hidden or suppressed (or whose last text was, once it left the page)
        loses text, author and history for good, with the reason recorded; its replies,
        whose DiscussionTools ids name its author, are kept under hidden ids as well
revids_to_check(session, consultation_id, titles) -> set[int]
    the revisions whose flags decide about the stored comments of these pages
Applying the same snapshot twice changes nothing.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from services.analysis.language import detect_language
from services.consultations.models import CommentOrigin, Consultation, WatchedPage
from services.documents.models import Revision, RevisionStatus, utcnow
from services.feedback.anchoring import UnitIndex, UnitText, find_anchors, revision_current_at
from services.feedback.models import (
    Anchor,
    AnchorMethod,
    Comment,
    CommentSource,
    CommentVersion,
    HiddenReason,
    hidden_item_id,
    is_hidden_id,
)

# The most severe reason wins when several apply.
_SEVERITY = {
    HiddenReason.REMOVED: 1,
    HiddenReason.USER_HIDDEN: 2,
    HiddenReason.TEXT_HIDDEN: 3,
    HiddenReason.SUPPRESSED: 4,
}


@dataclass(frozen=True)
class SeenComment:
    """One signed comment as the wiki shows it in one revision of a talk page."""

    item_id: str
    author: str
    posted_at: datetime  # UTC, naive
    text_html: str
    text_plain: str
    parent_item_id: str | None = None
    heading: str = ""
    level: int = 1


@dataclass(frozen=True)
class RevisionInfo:
    """A wiki revision's id, time, user and deletion flags, as the API reports them."""

    revid: int
    timestamp: datetime | None = None
    user: str | None = None
    texthidden: bool = False
    userhidden: bool = False
    suppressed: bool = False

    @property
    def text_reason(self) -> HiddenReason | None:
        """Why the text saved in this revision may not be shown, if it may not."""
        if self.texthidden:
            return HiddenReason.SUPPRESSED if self.suppressed else HiddenReason.TEXT_HIDDEN
        return None

    @property
    def reason(self) -> HiddenReason | None:
        """Why a comment added in this revision may not be shown (text or author hidden)."""
        if self.texthidden or self.userhidden:
            if self.suppressed:
                return HiddenReason.SUPPRESSED
            return HiddenReason.TEXT_HIDDEN if self.texthidden else HiddenReason.USER_HIDDEN
        return None


@dataclass
class PageSnapshot:
    """A watched page at one revision: its comments and the revisions since the last look."""

    title: str
    revid: int | None  # None: the page no longer exists
    comments: list[SeenComment] = field(default_factory=list)
    revisions: list[RevisionInfo] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


@dataclass
class IntakeCounts:
    new: int = 0
    edited: int = 0
    hidden: int = 0
    restored: int = 0
    unchanged: int = 0
    outside_window: int = 0

    def __iadd__(self, other: IntakeCounts) -> IntakeCounts:
        for f in fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))
        return self


def _minute(value: datetime) -> datetime:
    return value.replace(second=0, microsecond=0)


def _same_user(a: str | None, b: str | None) -> bool:
    norm = lambda s: (s or "").replace("_", " ").strip()  # noqa: E731
    return bool(a and b) and norm(a)[:1].upper() + norm(a)[1:] == norm(b)[:1].upper() + norm(b)[1:]


def _signature(author: str | None, posted_at: datetime | None) -> tuple:
    return ((author or "").replace("_", " ").strip(), posted_at)


def _plain_key(text: str | None) -> str:
    return " ".join((text or "").split())


def origin_revision(comment: SeenComment, revisions: Sequence[RevisionInfo]) -> int | None:
    """The revision that added ``comment``: saved in its signature's minute, by its author."""
    minute = _minute(comment.posted_at)
    timed = sorted((r for r in revisions if r.timestamp is not None), key=lambda r: r.revid)
    same = [r for r in timed if _minute(r.timestamp) == minute]
    later = [r for r in timed if r.timestamp >= minute]
    for group, test in (
        (same, lambda r: _same_user(r.user, comment.author)),
        (same, lambda r: r.userhidden),
        (later, lambda r: _same_user(r.user, comment.author)),
        (same, lambda r: True),
        (later, lambda r: True),
    ):
        for r in group:
            if test(r):
                return r.revid
    return None


class FeedbackIntake:
    """One consultation's harvested comments, updated from what the wiki shows."""

    def __init__(self, session: Session, consultation: Consultation, now: datetime | None = None):
        self.session = session
        self.consultation = consultation
        self.now = now or utcnow().replace(microsecond=0)
        self.lower = _minute(consultation.opens_at) if consultation.opens_at else None
        # A comment signed in the closing minute still counts.
        self.upper = (
            _minute(consultation.closes_at) + timedelta(minutes=1)
            if consultation.closes_at
            else None
        )
        comments = session.scalars(
            select(Comment)
            .where(
                Comment.consultation_id == consultation.id,
                Comment.source == CommentSource.TALK_PAGE,
            )
            .options(selectinload(Comment.anchors))
        )
        self.by_page: dict[str, dict[str, Comment]] = defaultdict(dict)
        for comment in comments:
            self.by_page[comment.page_title][comment.item_id] = comment
        self.origins: dict[int, int | None] = dict(
            session.execute(
                select(CommentOrigin.comment_id, CommentOrigin.revid)
                .join(Comment, Comment.id == CommentOrigin.comment_id)
                .where(Comment.consultation_id == consultation.id)
            ).all()
        )
        self._indexes: dict[int | None, UnitIndex] = {}
        self._revisions: list[tuple[int, datetime | None]] | None = None

    # -- anchoring context ------------------------------------------------------------------

    def _document_revisions(self) -> list[tuple[int, datetime | None]]:
        if self._revisions is None:
            self._revisions = list(
                self.session.execute(
                    select(Revision.id, Revision.published_at).where(
                        Revision.document_id == self.consultation.document_id,
                        Revision.status != RevisionStatus.DRAFT,
                    )
                ).all()
            )
        return self._revisions

    def _index(self, revision_id: int | None) -> UnitIndex:
        if revision_id not in self._indexes:
            self._indexes[revision_id] = UnitIndex(self._unit_texts(revision_id))
        return self._indexes[revision_id]

    def _unit_texts(self, revision_id: int | None) -> list[UnitText]:
        from services.documents.units import plain_text

        revision = self.session.get(Revision, revision_id) if revision_id else None
        if revision is None:
            return []
        texts = [UnitText(u.key, plain_text(u.text), u.kind.value) for u in revision.units]
        kinds = {u.key: u.kind.value for u in revision.units}
        try:
            from services.translations.models import UnitTranslation
        except ImportError:
            return texts
        for tr in self.session.scalars(
            select(UnitTranslation).where(
                UnitTranslation.document_id == revision.document_id,
                UnitTranslation.unit_key.in_(list(kinds)),
            )
        ):
            texts.append(
                UnitText(tr.unit_key, plain_text(tr.text), kinds[tr.unit_key], tr.language)
            )
        return texts

    def _describe(self, comment: Comment, seen: SeenComment, page: WatchedPage) -> None:
        """Language, document revision and anchors of a comment's current text."""
        comment.language = detect_language(seen.text_plain, prior=page.language).language
        comment.revision_id = revision_current_at(
            self._document_revisions(), seen.posted_at, self.consultation.revision_id
        )
        matches = find_anchors(
            self._index(comment.revision_id),
            text=seen.text_plain,
            html=seen.text_html,
            heading=seen.heading,
        )
        kept = [a for a in comment.anchors if a.method is AnchorMethod.WIDGET]
        by_key = {a.unit_key: a for a in comment.anchors}
        anchors = list(kept)
        for m in matches:
            if any(a.unit_key == m.unit_key for a in kept):
                continue
            anchor = by_key.get(m.unit_key)
            if anchor is None:
                anchor = Anchor(unit_key=m.unit_key)
            anchor.method, anchor.confidence = m.method, m.confidence
            anchor.revision_id = comment.revision_id
            anchors.append(anchor)
        if [(a.unit_key, a.method, a.confidence) for a in anchors] != [
            (a.unit_key, a.method, a.confidence) for a in comment.anchors
        ]:
            comment.anchors = anchors

    # -- snapshots --------------------------------------------------------------------------

    def _in_window(self, posted_at: datetime) -> bool:
        return (self.lower is None or posted_at >= self.lower) and (
            self.upper is None or posted_at < self.upper
        )

    def _fill(
        self, comment: Comment, seen: SeenComment, page: WatchedPage, revid: int | None
    ) -> None:
        comment.page_title = page.title
        comment.item_id = seen.item_id
        comment.parent_item_id = seen.parent_item_id
        comment.heading = seen.heading
        comment.author = seen.author
        comment.posted_at = seen.posted_at
        comment.level = seen.level
        comment.text_html = seen.text_html
        comment.text_plain = seen.text_plain
        comment.wiki_revid = revid
        self._describe(comment, seen, page)

    def _removed_index(self) -> tuple[dict[str, Comment], dict[tuple, Comment]]:
        by_id: dict[str, Comment] = {}
        by_sig: dict[tuple, Comment] = {}
        for comments in self.by_page.values():
            for comment in comments.values():
                if comment.hidden_reason is HiddenReason.REMOVED:
                    by_id.setdefault(comment.item_id, comment)
                    by_sig.setdefault(_signature(comment.author, comment.posted_at), comment)
        return by_id, by_sig

    def apply_snapshot(self, page: WatchedPage, snapshot: PageSnapshot) -> IntakeCounts:
        """Bring the stored comments of ``page`` in line with ``snapshot``."""
        return self.apply_snapshots([(page, snapshot)])

    def apply_snapshots(
        self, snapshots: Sequence[tuple[WatchedPage, PageSnapshot]]
    ) -> IntakeCounts:
        """Apply several pages at once, so a thread archived to another page keeps its record."""
        counts = IntakeCounts()
        # 1. What is no longer where it was: kept aside, in case it turns up elsewhere.
        vanished_ids: dict[str, Comment] = {}
        vanished_sigs: dict[tuple, Comment] = {}
        for page, snapshot in snapshots:
            ids = {c.item_id for c in snapshot.comments} if snapshot.revid is not None else set()
            ids |= {hidden_item_id(i) for i in ids}
            for comment in self.by_page[page.title].values():
                if comment.hidden_reason is None and comment.item_id not in ids:
                    vanished_ids[comment.item_id] = comment
                    vanished_sigs.setdefault(_signature(comment.author, comment.posted_at), comment)
        removed_ids, removed_sigs = self._removed_index()
        new_origins: list[tuple[Comment, int | None]] = []
        # 2. Everything seen: updated in place, moved, brought back or new.
        for page, snapshot in snapshots:
            stored = self.by_page[page.title]
            seen_ids: set[str] = set()
            for seen in snapshot.comments:
                seen = self._redacted(seen, stored)
                if seen.item_id in seen_ids:
                    snapshot.problems.append(
                        f"{page.title}: the id {seen.item_id} appears "
                        f"twice; only the first comment with it was kept"
                    )
                    continue
                seen_ids.add(seen.item_id)
                comment = stored.get(seen.item_id) or stored.get(hidden_item_id(seen.item_id))
                if comment is not None:
                    self._update(comment, seen, page, snapshot.revid, counts)
                    continue
                sig = _signature(seen.author, seen.posted_at)
                moved = vanished_ids.pop(seen.item_id, None) or vanished_sigs.pop(sig, None)
                if moved is not None and moved.hidden_reason is None:
                    vanished_ids.pop(moved.item_id, None)
                    vanished_sigs.pop(_signature(moved.author, moved.posted_at), None)
                    self._move(moved, page)
                    self._update(moved, seen, page, snapshot.revid, counts)
                    continue
                back = removed_ids.pop(seen.item_id, None) or removed_sigs.pop(sig, None)
                if back is not None and back.hidden_reason is HiddenReason.REMOVED:
                    self._move(back, page)
                    self._update(back, seen, page, snapshot.revid, counts)
                    continue
                if not self._in_window(seen.posted_at):
                    counts.outside_window += 1
                    continue
                comment = Comment(
                    consultation_id=self.consultation.id, source=CommentSource.TALK_PAGE, anchors=[]
                )
                self._fill(comment, seen, page, snapshot.revid)
                self.session.add(comment)
                stored[comment.item_id] = comment
                new_origins.append((comment, origin_revision(seen, snapshot.revisions)))
                counts.new += 1
        # 3. What turned up nowhere is gone from the wiki.
        for comment in {id(c): c for c in vanished_ids.values()}.values():
            if comment.hidden_reason is None and self._hide(comment, HiddenReason.REMOVED):
                counts.hidden += 1
        for comment in vanished_sigs.values():
            if comment.hidden_reason is None and self._hide(comment, HiddenReason.REMOVED):
                counts.hidden += 1
        if new_origins:
            self.session.flush()
            for comment, revid in new_origins:
                self.session.add(CommentOrigin(comment_id=comment.id, revid=revid))
                self.origins[comment.id] = revid
        flagged = {
            r.revid: r for _, snap in snapshots for r in snap.revisions if r.reason or r.text_reason
        }
        if flagged:
            counts.hidden += self.apply_flags(flagged)
        return counts

    def _move(self, comment: Comment, page: WatchedPage) -> None:
        self.by_page[comment.page_title].pop(comment.item_id, None)
        comment.page_title = page.title
        self.by_page[page.title][comment.item_id] = comment

    def _update(
        self,
        comment: Comment,
        seen: SeenComment,
        page: WatchedPage,
        revid: int | None,
        counts: IntakeCounts,
    ) -> None:
        """A comment seen again: brought back, re-versioned, or only re-placed."""
        stored = self.by_page[page.title]
        if comment.hidden_reason is HiddenReason.REMOVED:
            stored.pop(comment.item_id, None)
            comment.hidden_reason = None
            comment.hidden_at = None
            self._fill(comment, seen, page, revid)
            stored[comment.item_id] = comment
            counts.restored += 1
        elif comment.hidden_reason is not None:
            counts.unchanged += 1  # hidden on the wiki's authority: never filled again
        elif _plain_key(comment.text_plain) != _plain_key(seen.text_plain):
            comment.versions.append(
                CommentVersion(
                    text_html=comment.text_html,
                    text_plain=comment.text_plain,
                    wiki_revid=comment.wiki_revid,
                    seen_at=self.now,
                )
            )
            stored.pop(comment.item_id, None)
            self._fill(comment, seen, page, revid)
            stored[comment.item_id] = comment
            counts.edited += 1
        else:
            if comment.item_id != seen.item_id:
                stored.pop(comment.item_id, None)
                comment.item_id = seen.item_id
                stored[comment.item_id] = comment
            self._update_place(comment, seen)
            counts.unchanged += 1

    def _update_place(self, comment: Comment, seen: SeenComment) -> None:
        """A renamed section or a re-indented reply changes where, not what: no new version."""
        for attr, value in (
            ("heading", seen.heading),
            ("parent_item_id", seen.parent_item_id),
            ("level", seen.level),
        ):
            if getattr(comment, attr) != value:
                setattr(comment, attr, value)
        if comment.text_html != seen.text_html:  # e.g. a red link turned blue
            comment.text_html = seen.text_html

    def _hide(self, comment: Comment, reason: HiddenReason) -> bool:
        """Hide ``comment`` for ``reason`` unless it is already hidden for a graver one."""
        if (
            comment.hidden_reason is not None
            and _SEVERITY[comment.hidden_reason] >= _SEVERITY[reason]
        ):
            return False
        comment.hidden_reason = reason
        comment.hidden_at = comment.hidden_at or self.now
        comment.text_html = None
        comment.text_plain = None
        comment.versions = []
        if reason is not HiddenReason.REMOVED:
            # Gone for good: neither who wrote it nor the section it opened is kept.
            comment.author = None
            comment.heading = ""
            page = self.by_page[comment.page_title]
            # Its id may be hidden already (it replies to a hidden comment).
            if not is_hidden_id(comment.item_id):
                self._rekey(page, comment)
            # DiscussionTools writes the parent's name into a reply's id.
            for reply in [c for c in page.values() if c.parent_item_id == comment.item_id]:
                if not is_hidden_id(reply.item_id):
                    self._rekey(page, reply)
        return True

    @staticmethod
    def _rekey(page: dict[str, Comment], comment: Comment) -> None:
        """Give ``comment`` the hidden form of its id, and its replies, which pointed at the
        old one, the new one as their parent's."""
        wiki_id = comment.item_id
        page.pop(wiki_id, None)
        comment.item_id = hidden_item_id(wiki_id)
        page[comment.item_id] = comment
        for reply in page.values():
            if reply.parent_item_id == wiki_id:
                reply.parent_item_id = comment.item_id

    @staticmethod
    def _redacted(seen: SeenComment, stored: Mapping[str, Comment]) -> SeenComment:
        """``seen`` as stored when its parent's id was hidden: a reply to a comment hidden
        on the wiki's authority names that comment's author in its own id, so the reply is
        kept under the hidden form of its id too, and points at its parent's hidden id."""
        if seen.parent_item_id is None:
            return seen
        parent = stored.get(hidden_item_id(seen.parent_item_id))
        if parent is None:
            return seen
        changes = {"parent_item_id": parent.item_id}
        if parent.hidden_reason not in (None, HiddenReason.REMOVED):
            changes["item_id"] = hidden_item_id(seen.item_id)
        return dataclasses.replace(seen, **changes)

    # -- deletion flags ---------------------------------------------------------------------

    def apply_flags(self, revisions: Mapping[int, RevisionInfo]) -> int:
        """Hide every comment a flagged revision speaks against; returns how many changed."""
        changed = 0
        for comments in self.by_page.values():
            for comment in list(comments.values()):
                reasons = []
                origin = revisions.get(self.origins.get(comment.id) or -1)
                if origin is not None and origin.reason:
                    reasons.append(origin.reason)
                last = revisions.get(comment.wiki_revid or -1)
                # The last text seen counts once the comment has left the page: the current
                # revision's text can never be hidden, so it is still public while shown.
                if (
                    last is not None
                    and last.text_reason
                    and comment.hidden_reason is HiddenReason.REMOVED
                ):
                    reasons.append(last.text_reason)
                if reasons and self._hide(comment, max(reasons, key=_SEVERITY.get)):
                    changed += 1
        return changed


def revids_to_check(session: Session, consultation_id: int, titles: Iterable[str]) -> set[int]:
    """Revisions whose deletion flags can hide a stored comment of these pages."""
    titles = list(titles)
    if not titles:
        return set()
    rows = session.execute(
        select(Comment.hidden_reason, Comment.wiki_revid, CommentOrigin.revid)
        .outerjoin(CommentOrigin, CommentOrigin.comment_id == Comment.id)
        .where(
            Comment.consultation_id == consultation_id,
            Comment.page_title.in_(titles),
            Comment.source == CommentSource.TALK_PAGE,
        )
    )
    revids: set[int] = set()
    for reason, last_revid, origin in rows:
        if reason in (None, HiddenReason.REMOVED, HiddenReason.USER_HIDDEN) and origin:
            revids.add(origin)
        if reason is HiddenReason.REMOVED and last_revid:
            revids.add(last_revid)
    return revids
