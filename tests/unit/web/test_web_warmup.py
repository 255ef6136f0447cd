"""A web process warmed before its first request: queue indexes made, templates compiled."""

from __future__ import annotations

import logging

from services.feedback.versions import data_versions
from services.web import create_app
from services.web.queueread import queue_indexes
from services.web.warmup import warm_up


def test_warm_up_makes_every_consultations_index_before_any_request(config, db, scene):
    app = create_app({"QUEUE_INDEX": "background"}, config=config)
    done = warm_up(app)
    assert done["indexes"] == 2
    assert done["templates"] >= 10
    assert done["languages"] >= 2
    with app.app_context(), db.session() as s:
        indexes = queue_indexes()
        versions = dict(data_versions(s, [scene["c1"], scene["c2"]]))
        # In the background mode a cold cache answers None and starts a build; warm, the
        # index is there at once and nothing more is made.
        assert indexes.get(scene["c1"], versions[scene["c1"]]) is not None
        assert indexes.get(scene["c2"], versions[scene["c2"]]) is not None
        assert indexes.builds == 2
    # The templates are compiled: the environment's cache holds them.
    assert len(app.jinja_env.cache) == done["templates"]
    app.extensions["convene.db"].dispose()


def test_warm_up_with_indexes_off_compiles_the_templates_only(config, db, scene):
    app = create_app({"QUEUE_INDEX": "off"}, config=config)
    done = warm_up(app)
    assert done["indexes"] == 0 and done["templates"] >= 10
    app.extensions["convene.db"].dispose()


def test_a_failed_warm_up_is_logged_and_the_app_still_serves(
    config, db, scene, caplog, monkeypatch
):
    app = create_app({"QUEUE_INDEX": "background"}, config=config)

    class Unreadable:
        max_consultations = 32

        def prime(self, ids):
            raise RuntimeError("the database went away")

    monkeypatch.setattr("services.web.warmup.queue_indexes", Unreadable)
    with caplog.at_level(logging.ERROR, logger="services.web.warmup"):
        done = warm_up(app)
    assert done["indexes"] == 0
    assert "warming up the web app failed" in caplog.text
    assert "the database went away" in caplog.text
    assert app.test_client().get("/api/v1/openapi.json").status_code == 200
    app.extensions["convene.db"].dispose()
