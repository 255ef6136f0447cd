"""The JSON error the service answers with wherever a script is the caller: the API, the
widget's calls from the wiki, and error pages under /api/ (OpenAPI schema ``Error``)."""

from __future__ import annotations

from collections.abc import Mapping

from flask import Response, jsonify
from werkzeug.exceptions import HTTPException


def json_error(
    status: int,
    code: str,
    message: str,
    parameter: str | None = None,
    headers: Mapping[str, str] | None = None,
) -> Response:
    """``{"error": {"code", "message"[, "parameter"]}}`` with ``status``."""
    body = {"code": code, "message": message}
    if parameter:
        body["parameter"] = parameter
    response = jsonify({"error": body})
    response.status_code = status
    response.headers.update(headers or {})
    return response


def http_error(exc: HTTPException) -> Response:
    """A werkzeug HTTP error (404, 405, 413, …) as a JSON error, its name as the code."""
    return json_error(
        exc.code or 500, exc.name.lower().replace(" ", "_"), exc.description or exc.name
    )
