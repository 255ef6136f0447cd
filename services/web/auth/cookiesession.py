"""Flask's signed-cookie session, each verified cookie remembered until it would expire.

A browser sends the session cookie with every request, and Flask checks its signature and
decodes it anew each time (key derivation, HMAC, base64, JSON): a tenth of what a cached
queue page costs. The cookie stays the same until the session changes, so a cookie that
verified once is remembered by its exact value (nothing unverified is ever believed), for
the app's secret keys, until the moment it would have expired anyway; each request gets a
copy of its own to change. Who the session belongs to is still read from the database on
every request (``services.web.auth.guard``), so signing out ends it at once.
"""

from __future__ import annotations

import copy
import threading
import time
from collections import OrderedDict

from flask import Flask, Request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from itsdangerous import BadSignature


class RememberingSessionInterface(SecureCookieSessionInterface):
    def __init__(self, size: int = 4096, clock=time.time):
        self.size, self._clock = size, clock
        self._verified: OrderedDict[tuple, tuple[float, dict]] = OrderedDict()
        self._serializers: dict[tuple, object] = {}
        self._lock = threading.Lock()  # threaded servers share the interface
        self.hits = self.misses = 0

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        value = request.cookies.get(self.get_cookie_name(app))
        if not value or not app.secret_key:
            return super().open_session(app, request)
        keys = (*(app.config.get("SECRET_KEY_FALLBACKS") or ()), app.secret_key)
        remembered = (keys, value)
        with self._lock:
            entry = self._verified.get(remembered)
            if entry is not None and entry[0] > self._clock():
                self._verified.move_to_end(remembered)
                self.hits += 1
                return self.session_class(copy.deepcopy(entry[1]))
        self.misses += 1
        serializer = self._serializers.get(keys)
        if serializer is None:
            serializer = self._serializers.setdefault(keys, self.get_signing_serializer(app))
        max_age = int(app.permanent_session_lifetime.total_seconds())
        try:
            data, signed_at = serializer.loads(value, max_age=max_age, return_timestamp=True)
        except BadSignature:
            return self.session_class()
        with self._lock:
            self._verified[remembered] = (signed_at.timestamp() + max_age, data)
            while len(self._verified) > self.size:
                self._verified.popitem(last=False)
        return self.session_class(copy.deepcopy(data))
