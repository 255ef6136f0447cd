"""A web process made ready before its first request.

A cold process pays, on its first requests, for what it makes once and keeps: the queue
indexes of the consultations (a second or so each on a large consultation), the compiled
templates, the message catalogues and their languages' plural rules. Under load those first
seconds answer a fraction of what later ones do. ``warm_up`` pays for them before the
server takes requests; gunicorn does it once, in its master, and forks the workers from
the warm process (``services.web.gunicorn_conf``).

A warm-up that fails is logged and skipped: the process then warms as it serves.
"""

from __future__ import annotations

import logging
import time

from flask import Flask
from sqlalchemy import select

from services.consultations.models import Consultation
from services.web import get_db
from services.web.dashboard import i18n
from services.web.queueread import queue_indexes

log = logging.getLogger(__name__)


def warm_up(app: Flask) -> dict[str, float]:
    """Load the message catalogues, compile the templates and make the queue indexes of the
    newest consultations; what was done, and how long it took."""
    started = time.monotonic()
    done = {"languages": 0, "templates": 0, "indexes": 0}
    try:
        with app.app_context():
            done["languages"] = i18n.load_all()
            for name in app.jinja_env.list_templates(extensions=("html",)):
                app.jinja_env.get_template(name)
                done["templates"] += 1
            indexes = queue_indexes()
            if indexes is not None:
                with get_db().session() as session:
                    newest = session.scalars(
                        select(Consultation.id)
                        .order_by(Consultation.id.desc())
                        .limit(indexes.max_consultations)
                    ).all()
                done["indexes"] = indexes.prime(newest)
    except Exception:  # the server still serves; it warms as it goes
        log.exception("warming up the web app failed")
    finally:
        # Nothing of the warming process's connections may be shared with a fork of it.
        get_db(app).dispose()
    done["seconds"] = round(time.monotonic() - started, 2)
    return done
