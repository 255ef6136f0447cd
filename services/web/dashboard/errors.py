"""Error pages: JSON under /api/, an HTML page (in the user's language) everywhere else."""

from __future__ import annotations

from flask import jsonify, render_template, request
from werkzeug.exceptions import HTTPException


def _handle(exc: HTTPException):
    status = exc.code or 500
    if request.path.startswith("/api/"):
        response = jsonify({"error": {"code": exc.name.lower().replace(" ", "_"),
                                      "message": exc.description or exc.name}})
        response.status_code = status
        return response
    return render_template("error.html", status=status, error_message=exc.description or exc.name), status


def install_error_pages(app) -> None:
    for code in (400, 403, 404, 405, 413, 415):
        app.register_error_handler(code, _handle)
