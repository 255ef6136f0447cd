"""The CSRF token a page carries, signed once per session rather than on every page.

Flask-WTF signs the session's token anew for each request that shows a form (a timestamp,
zlib and an HMAC: a tenth of a millisecond, on every queue page). With no time limit on
the token (``WTF_CSRF_TIME_LIMIT = None``, Convene's setting) a signature made earlier is
exactly as good as a new one, so the first is remembered for the session's token and
reused. With a time limit the timestamp matters, and every page is signed anew.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from flask import current_app, g, session
from flask_wtf.csrf import generate_csrf

_FIELD = "csrf_token"  # Flask-WTF's default name in the session and in g
_SIZE = 4096


class _Signed:
    """Signed tokens by (secret key, session token), the least recently used dropped."""

    def __init__(self):
        self.tokens: OrderedDict[tuple, str] = OrderedDict()
        self.lock = threading.Lock()


def csrf_token() -> str:
    """The token for this request's forms (as ``flask_wtf.csrf.generate_csrf``)."""
    app = current_app
    if (
        app.config.get("WTF_CSRF_TIME_LIMIT", 3600) is not None
        or app.config.get("WTF_CSRF_FIELD_NAME", _FIELD) != _FIELD
    ):
        return generate_csrf()
    if _FIELD in g:
        return g.get(_FIELD)
    signed = app.extensions.get("convene.csrf_signed")
    if signed is None:
        signed = app.extensions.setdefault("convene.csrf_signed", _Signed())
    secret = app.config.get("WTF_CSRF_SECRET_KEY") or app.secret_key
    raw, token = session.get(_FIELD), None
    if isinstance(raw, str):
        with signed.lock:
            token = signed.tokens.get((secret, raw))
            if token is not None:
                signed.tokens.move_to_end((secret, raw))
    if token is None:
        token = generate_csrf()
        raw = session.get(_FIELD)  # generate_csrf makes one if the session had none
        if isinstance(raw, str):
            with signed.lock:
                signed.tokens[secret, raw] = token
                while len(signed.tokens) > _SIZE:
                    signed.tokens.popitem(last=False)
    setattr(g, _FIELD, token)  # later calls in this request, Flask-WTF's too, reuse it
    return token
