"""``/health`` when Redis cannot be reached: 503, and the wiki's state honestly unknown."""

import pytest

from deploy.local.processes import free_port
from services.web import create_app, get_db


@pytest.fixture
def make_app():
    """create_app, with each app's database engine disposed at the end of the test."""
    apps = []

    def make(config):
        apps.append(create_app(config=config))
        return apps[-1]

    yield make
    for app in apps:
        get_db(app).dispose()


def test_unreachable_redis_is_reported_and_the_wiki_is_unknown(config, make_app):
    app = make_app(config.replace(redis_url=f"redis://127.0.0.1:{free_port()}/0"))
    response = app.test_client().get("/health")
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "degraded"
    assert body["database"] == {"ok": True}
    assert body["redis"]["ok"] is False and "Connection refused" in body["redis"]["error"]
    assert body["wiki"]["ok"] is False and body["wiki"]["state"] == "unknown"


def test_unreachable_database_is_reported(config, tmp_path, make_app):
    # A directory where the SQLite file should be: the database cannot be opened.
    (tmp_path / "db-dir").mkdir()
    app = make_app(
        config.replace(
            database_url=f"sqlite:///{tmp_path / 'db-dir'}",
            redis_url=f"redis://127.0.0.1:{free_port()}/0",
        )
    )
    response = app.test_client().get("/health")
    assert response.status_code == 503
    assert response.get_json()["database"]["ok"] is False
