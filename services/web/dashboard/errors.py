"""Error pages: JSON under /api/, an HTML page (in the user's language) everywhere else."""

from __future__ import annotations

from flask import render_template, request
from werkzeug.exceptions import HTTPException

from services.web.jsonerror import http_error


def _handle(exc: HTTPException):
    if request.path.startswith("/api/"):
        return http_error(exc)
    status = exc.code or 500
    return render_template(
        "error.html", status=status, error_message=exc.description or exc.name
    ), status


def install_error_pages(app) -> None:
    for code in (400, 403, 404, 405, 413, 415):
        app.register_error_handler(code, _handle)
