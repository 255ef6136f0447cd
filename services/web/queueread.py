"""The triage queue's reads, cached, for the JSON API and the dashboard alike.

Which comments a query shows, and how many match, come from the consultations' in-memory
queue indexes (``services.feedback.queueindex``) where they answer the filter and hold the
data version the request has seen; otherwise from SQL, cached. Two layers, both in the
process's result cache (``services.web.resultcache``) and keyed by the data versions of
the consultations involved (``services.feedback.versions``), so the read after a write
sees it:

- which comments a query shows, in order, with the next page's cursor, and how many match
  (whatever the order), as SQL found them. Keyed by the scope (each consultation the query
  reads, with its version and the viewer's role on it) and the normalized query, so the
  API and the dashboard share them and viewers with different scopes never do.
- each comment as read (a QueueItem), keyed by the comment and its consultation's version,
  and as shown: an API item (JSON) or a dashboard row (HTML), keyed by the comment,
  its consultation's version and what else the rendering depends on (URL root, interface
  language, whether the viewer may triage it). A comment appears in many queries and is
  rendered once for all of them.

Neither layer holds anything of one user's: no note, no session, no CSRF token.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Hashable
from typing import Any

from flask import current_app
from sqlalchemy.orm import Session

from services.feedback import queries, queueindex
from services.feedback.versions import Versions, data_versions
from services.web import get_db
from services.web.auth.guard import current_access
from services.web.dashboard.context import cursor_key
from services.web.resultcache import DEFAULT_TTL, result_cache


def versions_of(consultation_ids) -> Versions:
    """((consultation id, data version), ...) for these consultations, by id, as read with
    the request's access (``Access.versions``), else read now."""
    known = current_access().versions
    if all(cid in known for cid in consultation_ids):
        return tuple((cid, known[cid]) for cid in sorted(consultation_ids))
    with get_db().session() as session:
        return data_versions(session, consultation_ids)


def queue_indexes() -> queueindex.IndexCache | None:
    """This process's in-memory queue indexes (``services.feedback.queueindex``), made on
    first use. They age as cached results do (``RESULT_CACHE_TTL``); the Flask setting
    ``QUEUE_INDEX`` is "background" (the default: made off the request path), "inline"
    (made when first asked for: tests that must know which path answered) or "off"."""
    app = current_app
    mode = app.config.get("QUEUE_INDEX", "background")
    if mode == "off":
        return None
    indexes = app.extensions.get("convene.queue_indexes")
    if indexes is None:
        indexes = app.extensions.setdefault(
            "convene.queue_indexes",
            queueindex.IndexCache(
                get_db().session,
                float(app.config.get("RESULT_CACHE_TTL", DEFAULT_TTL)),
                background=mode == "background",
            ),
        )
    return indexes


class QueueRead:
    """One request's read of the queue: the consultations it reads, at the versions it saw."""

    def __init__(self, flt: queries.QueueFilter):
        access = current_access()
        self.flt, self.visible = flt, access.visible_ids
        allowed = queries.allowed_ids(flt, access.visible_ids)
        # Read before anything they key, so what is computed after them is at least as new.
        self.versions = dict(versions_of(allowed))
        self.scope = tuple(
            (cid, self.versions.get(cid), access.roles[cid].value) for cid in sorted(allowed)
        )

    @functools.cached_property
    def _held(self) -> dict[int, queueindex.QueueIndex]:
        """The in-memory indexes of the consultations read, of at least the versions seen,
        by consultation: those that are ready (asked for once per read)."""
        cache = queue_indexes()
        if cache is None:
            return {}
        indexes = {cid: cache.get(cid, version) for cid, version, _ in self.scope}
        return {cid: index for cid, index in indexes.items() if index is not None}

    @property
    def _indexes(self) -> list[queueindex.QueueIndex] | None:
        """The indexes that find the page and its count: all of them, if they answer the
        filter; else None, and SQL does."""
        if not queueindex.answers(self.flt) or len(self._held) < len(self.scope):
            return None
        return [self._held[cid] for cid, _, _ in self.scope]

    def keys(self, session: Session, limit: int, cursor: str | None) -> queries.PageKeys:
        """Which comments the page shows, and the next page's cursor."""
        indexes = self._indexes
        if indexes is not None:
            return queueindex.page_keys(
                session, indexes, self.flt, limit=limit, cursor=cursor, cursor_key=cursor_key()
            )
        return result_cache().fetch(
            ("queue-keys", self.scope, self.flt, limit, cursor),
            lambda: queries.page_keys(
                session, self.flt, self.visible, limit=limit, cursor=cursor, cursor_key=cursor_key()
            ),
            size=lambda keys: 200 + 80 * len(keys.rows),
        )

    def count(
        self, session: Session, first_page: queries.PageKeys | None = None
    ) -> tuple[int, bool]:
        """How many comments match (up to the cap), whatever the order. A first page with
        no next one has counted them already."""
        if first_page is not None and first_page.next_cursor is None:
            return len(first_page.rows), False
        indexes = self._indexes
        if indexes is not None:
            return queueindex.count_matching(indexes, self.flt)
        unordered = dataclasses.replace(self.flt, sort=queries.Sort.NEWEST)
        return result_cache().fetch(
            ("queue-count", self.scope, unordered),
            lambda: queries.count_matching(session, self.flt, self.visible),
            size=lambda _: 100,
        )

    def shown(
        self,
        session: Session,
        keys: queries.PageKeys,
        kind: str,
        variant: Callable[[int], Hashable],
        render: Callable[[list[queries.QueueItem]], list[Any]],
    ) -> list[Any]:
        """The page's comments as ``render`` shows them (str or bytes each), in order.

        ``variant(consultation_id)`` is whatever else the rendering depends on; only the
        comments not cached yet are read and rendered.
        """
        cache = result_cache()
        row_keys = [
            (kind, comment_id, self.versions.get(cid), variant(cid))
            for comment_id, cid in keys.rows
        ]
        shown = [cache.get(key) for key in row_keys]
        missing = [
            (comment_id, cid) for (comment_id, cid), value in zip(keys.rows, shown) if value is None
        ]
        if missing:
            found = self._items(session, missing)
            items = [found[i] for i, _ in missing if i in found]
            fresh = dict(zip((item.id for item in items), render(items)))
            for n, ((comment_id, _), key) in enumerate(zip(keys.rows, row_keys)):
                if shown[n] is None and comment_id in fresh:
                    shown[n] = fresh[comment_id]
                    cache.put(key, shown[n], len(shown[n]) + 200)
        # A comment deleted since the page's ids were read is left out.
        return [value for value in shown if value is not None]

    def _items(self, session: Session, rows) -> dict[int, queries.QueueItem]:
        """The QueueItems of these (comment id, consultation id), by id: from the
        consultation's index where it is held (whatever filter found the page), else cached:
        the API and the dashboard render the same comments, so what one read the other does
        not read again."""
        found, unheld = {}, []
        for comment_id, cid in rows:
            index = self._held.get(cid)
            item = index.items.get(comment_id) if index is not None else None
            if item is not None:
                found[comment_id] = item
            else:  # a hidden comment, or its consultation's index is not ready
                unheld.append((comment_id, cid))
        cache = result_cache()
        keys = {
            comment_id: ("queue-item", comment_id, self.versions.get(cid))
            for comment_id, cid in unheld
        }
        for comment_id, key in keys.items():
            item = cache.get(key)
            if item is not None:
                found[comment_id] = item
        unread = [comment_id for comment_id in keys if comment_id not in found]
        if unread:
            fresh = queries.items_by_id(session, unread)
            for comment_id, item in fresh.items():
                cache.put(keys[comment_id], item, 400 + len(item.excerpt or ""))
            found.update(fresh)
        return found
