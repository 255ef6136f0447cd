"""Rendered queue results (API JSON, dashboard rows), cached in each web process.

A key holds everything a result depends on: the data versions of the consultations it
reads (``services.feedback.versions``), the viewer's scope (those consultations, each with
the viewer's role), the normalized query and the presentation (interface language, URL
root). A change to the data moves a version, so an outdated entry is never asked for
again; it ages out of the LRU. Entries also expire after ``ttl`` seconds, which bounds how
long a write that bypassed the ORM (and so did not bump a version) can go unseen.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

import lz4.block
from flask import Flask, current_app

DEFAULT_MAX_BYTES = 128 * 1024 * 1024
DEFAULT_TTL = 120.0


class ResultCache:
    """An LRU bounded by the total size of its values, with a time to live per entry."""

    def __init__(
        self,
        max_bytes: int = DEFAULT_MAX_BYTES,
        ttl: float = DEFAULT_TTL,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.max_bytes, self.ttl, self._clock = max_bytes, ttl, clock
        self._entries: OrderedDict[Hashable, tuple[float, int, Any]] = OrderedDict()
        # Flask's development server and threaded workers share one cache between threads.
        self._lock = threading.Lock()
        self.size = self.hits = self.misses = 0

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: Hashable) -> Any | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None and entry[0] < self._clock():
                self._drop(key)
                entry = None
            if entry is None:
                self.misses += 1
                return None
            self._entries.move_to_end(key)
            self.hits += 1
            return entry[2]

    def put(self, key: Hashable, value: Any, size: int) -> None:
        # One huge result may not push out most others.
        if size > self.max_bytes // 8:
            return
        with self._lock:
            if key in self._entries:
                self._drop(key)
            self._entries[key] = (self._clock() + self.ttl, size, value)
            self.size += size
            while self.size > self.max_bytes:
                self._drop(next(iter(self._entries)))

    def fetch(
        self, key: Hashable, compute: Callable[[], Any], size: Callable[[Any], int] = len
    ) -> Any:
        """The value cached for ``key``, else ``compute()``'s, stored with its ``size``."""
        value = self.get(key)
        if value is None:
            value = compute()
            self.put(key, value, size(value))
        return value

    def fetch_packed(self, key: Hashable, compute: Callable[[], bytes]) -> bytes:
        """Like ``fetch`` for a whole response: kept compressed (LZ4: a page of HTML or JSON
        shrinks three to five times, for some hundredths of a millisecond), so more fit."""
        return lz4.block.decompress(self.fetch(key, lambda: lz4.block.compress(compute())))

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self.size = 0

    def _drop(self, key: Hashable) -> None:
        self.size -= self._entries.pop(key)[1]


def result_cache(app: Flask | None = None) -> ResultCache:
    """The app's cache, made on first use: ``result_cache_mb`` megabytes of the Convene
    configuration (``CONVENE_RESULT_CACHE_MB``; 0 turns it off), unless the Flask settings
    ``RESULT_CACHE_BYTES`` or ``RESULT_CACHE_TTL`` (seconds) say otherwise."""
    app = app or current_app
    cache = app.extensions.get("convene.result_cache")
    if cache is None:
        config = app.config.get("CONVENE")
        default = getattr(config, "result_cache_mb", DEFAULT_MAX_BYTES >> 20) << 20
        cache = app.extensions.setdefault(
            "convene.result_cache",
            ResultCache(
                int(app.config.get("RESULT_CACHE_BYTES", default)),
                float(app.config.get("RESULT_CACHE_TTL", DEFAULT_TTL)),
            ),
        )
    return cache
