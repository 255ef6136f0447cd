"""``/health``: is the database, Redis and the wiki reachable (filled in by the stack work)."""

from flask import Blueprint, jsonify
from sqlalchemy import text

from services.web import get_db

bp = Blueprint("health", __name__)


@bp.get("/health")
def health():
    try:
        with get_db().engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        database = {"ok": True}
    except Exception as exc:  # any failure is the answer we report
        database = {"ok": False, "error": str(exc)}
    status = 200 if database["ok"] else 503
    return jsonify({"database": database}), status
