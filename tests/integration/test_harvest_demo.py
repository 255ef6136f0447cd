"""The demo's feedback step on the real wiki and Redis: comments by Alice and Bob in four
languages, replies included, harvested once; running the step again changes nothing."""

from sqlalchemy import select

from bots.demo_feedback import seed_demo_feedback
from services.documents.source import bundled_sources
from services.documents.store import load_source, mark_published
from services.feedback.models import Comment


def test_seed_demo_feedback_twice(db, wiki, wiki_config, redis_server):
    config = wiki_config.replace(redis_url=redis_server.url)
    with db.session() as s:
        source = next(p for p in bundled_sources() if p.name == "leadership-definition.wiki")
        mark_published(s, load_source(s, source).revision)

    first = seed_demo_feedback(config, wiki, db)

    assert first["written"] == 7 and first["harvest"]["new"] == 7
    assert set(first["comments_by_language"]) == {"en", "fr", "pl", "ar"}
    assert first["harvest"]["problems"] == []
    with db.session() as s:
        rows = s.scalars(select(Comment)).all()
        replies = [c for c in rows if c.parent_item_id and c.level == 2]
        assert len(replies) == 3
        assert {c.author for c in rows} == {"Alice", "Bob"}
        assert all(c.anchors for c in rows if c.language == "en")
    assert any("comments in the store" in line for line in first["lines"])

    second = seed_demo_feedback(config, wiki, db)
    assert second["written"] == 0 and second["harvest"]["new"] == 0
    assert second["comments"] == 7 and second["id"] == first["id"]
