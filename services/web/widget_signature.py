"""The HMAC signature the wiki's Convene extension puts on every call to the widget endpoints.

Both sides hold one shared secret (``widget_shared_secret`` here, ``$wgConveneSharedSecret``
on the wiki). The extension sends::

    X-Convene-Timestamp: <unix seconds>
    X-Convene-Signature: v1=<hex HMAC-SHA256(secret, string_to_sign)>

where ``string_to_sign`` is, joined by newlines: ``v1``, the timestamp, the method, the path
under the service root, the query (pairs sorted, each part percent-encoded as RFC 3986 /
PHP's rawurlencode), and the hex SHA-256 of the body. The PHP twin is
``wiki_extension/Convene/src/ServiceClient.php``; change both together.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Iterable
from urllib.parse import quote

VERSION = "v1"
SIGNATURE_HEADER = "X-Convene-Signature"
TIMESTAMP_HEADER = "X-Convene-Timestamp"
# A signed call older or newer than this is refused, so a captured one cannot be replayed later.
MAX_SKEW_SECONDS = 300


def canonical_query(pairs: Iterable[tuple[str, str]]) -> str:
    return "&".join(f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in sorted(pairs))


def string_to_sign(method: str, path: str, query: str, timestamp: str, body: bytes) -> bytes:
    return "\n".join(
        [VERSION, timestamp, method.upper(), path, query, hashlib.sha256(body).hexdigest()]
    ).encode()


def sign(secret: str, method: str, path: str, query: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(
        secret.encode(), string_to_sign(method, path, query, timestamp, body), hashlib.sha256
    ).hexdigest()
    return f"{VERSION}={digest}"


def signed_headers(
    secret: str,
    method: str,
    path: str,
    params: Iterable[tuple[str, str]] = (),
    body: bytes = b"",
    now: float | None = None,
) -> dict[str, str]:
    """The two headers for a call (what the extension sends; tests and scripts use it too)."""
    timestamp = str(int(time.time() if now is None else now))
    return {
        TIMESTAMP_HEADER: timestamp,
        SIGNATURE_HEADER: sign(secret, method, path, canonical_query(params), timestamp, body),
    }


def verify(
    secret: str,
    *,
    method: str,
    path: str,
    params: Iterable[tuple[str, str]],
    body: bytes,
    timestamp: str | None,
    signature: str | None,
    now: float | None = None,
) -> str | None:
    """None if the call is signed with ``secret`` and fresh, else what is wrong with it."""
    if not timestamp or not signature:
        return f"the call is not signed (headers {TIMESTAMP_HEADER} and {SIGNATURE_HEADER})"
    if not timestamp.isdigit():
        return f"{TIMESTAMP_HEADER} is not a number of seconds"
    skew = abs((time.time() if now is None else now) - int(timestamp))
    if skew > MAX_SKEW_SECONDS:
        return (
            f"{TIMESTAMP_HEADER} is {int(skew)} s away from the service's clock (at most "
            f"{MAX_SKEW_SECONDS} s): a replayed call, or a clock to fix"
        )
    wanted = sign(secret, method, path, canonical_query(params), timestamp, body)
    if not hmac.compare_digest(wanted.encode(), signature.strip().encode()):
        return (
            "the signature does not match: the wiki's $wgConveneSharedSecret and the "
            "service's widget_shared_secret differ, or the call was altered"
        )
    return None
