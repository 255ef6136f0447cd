"""Accounts, passwords, API tokens, server-side sessions and the per-consultation scope rule."""

from __future__ import annotations

import dashboard_factory as factory
import pytest
from sqlalchemy import select

from services.web.auth import sessions, users
from services.web.auth.access import access_for
from services.web.auth.models import AccountKind, ApiToken, Role, User, WebSession
from services.web.auth.users import UserError


@pytest.mark.parametrize(
    "name", ["", "   ", "a" * 256, "<script>", "Bob|x", "Al{ice}", "tab\there", "nul\x00"]
)
def test_names_that_cannot_be_accounts(name):
    with pytest.raises(UserError):
        users.clean_name(name)


def test_names_are_normalised():
    assert users.clean_name("  Élodie ") == "Élodie"
    assert users.clean_name("E\u0301lodie") == "Élodie"
    assert users.clean_name("O'Brien & Co") == "O'Brien & Co"


def test_passwords_are_hashed_and_checked(db):
    with db.session() as s:
        users.create_user(s, "Tom", Role.TRIAGER, password=factory.PASSWORD)
        with pytest.raises(UserError, match="shorter"):
            users.create_user(s, "Short", Role.VIEWER, password="abc")
    with db.session() as s:
        stored = s.scalar(select(User).where(User.name == "Tom")).password_hash
        assert factory.PASSWORD not in stored and stored.startswith("scrypt:")
        assert users.authenticate(s, "Tom", factory.PASSWORD).name == "Tom"
        assert users.authenticate(s, "Tom", "wrong password") is None
        assert users.authenticate(s, "Nobody", factory.PASSWORD) is None
        s.scalar(select(User).where(User.name == "Tom")).disabled = True
    with db.session() as s:
        assert users.authenticate(s, "Tom", factory.PASSWORD) is None
    with db.session() as s, pytest.raises(UserError, match="already exists"):
        factory.user(s, "Tom", "viewer")


def test_tokens_are_stored_hashed_and_can_be_revoked(db):
    with db.session() as s:
        tom = factory.user(s, "Tom", "triager")
        row, raw = users.issue_token(s, tom, "harvest script")
    with db.session() as s:
        stored = s.get(ApiToken, row.id)
        assert raw not in (
            stored.token_hash,
            stored.prefix,
        ) and stored.token_hash == users.hash_secret(raw)
        assert users.token_user(s, raw).name == "Tom"
        assert users.token_user(s, raw + "x") is None
        assert users.token_user(s, "not-a-token") is None
        users.revoke_token(s, row.id)
    with db.session() as s:
        assert users.token_user(s, raw) is None
        with pytest.raises(UserError):
            users.revoke_token(s, 10**6)


def test_sessions_end_on_sign_out_and_expire(db):
    with db.session() as s:
        tom = factory.user(s, "Tom", "triager")
        sid = sessions.start_session(s, tom)
        other = sessions.start_session(s, tom)
    with db.session() as s:
        assert sessions.session_user(s, sid).name == "Tom"
        assert s.scalar(select(WebSession).where(WebSession.sid_hash == sid)) is None  # only hashes
        sessions.end_session(s, sid)
    with db.session() as s:
        assert sessions.session_user(s, sid) is None
        assert sessions.session_user(s, other).name == "Tom"  # other browsers stay signed in
        row = s.scalar(select(WebSession).where(WebSession.sid_hash == users.hash_secret(other)))
        row.expires_at = row.created_at.replace(year=2000)
    with db.session() as s:
        assert sessions.session_user(s, other) is None
        assert sessions.session_user(s, None) is None and sessions.session_user(s, ["x"]) is None


def test_oauth_state_is_single_use(db):
    with db.session() as s:
        sessions.remember_oauth_state(s, "state-1", "verifier", "/dashboard/")
    with db.session() as s:
        assert sessions.take_oauth_state(s, "state-1").code_verifier == "verifier"
    with db.session() as s:
        assert sessions.take_oauth_state(s, "state-1") is None
        assert sessions.take_oauth_state(s, "never") is None


def test_access_rule(db):
    sc = factory.scene(db)
    c1, c2 = sc["c1"], sc["c2"]
    with db.session() as s:

        def access(name):
            return access_for(s, users.get_user(s, name))

        assert access("Ada").is_admin and access("Ada").triage_ids == {c1, c2}
        assert access("Vera").visible_ids == {c1, c2} and access("Vera").triage_ids == set()
        assert access("Tom").triage_ids == {c1, c2}
        assert access("Sam").visible_ids == {c2} and access("Sam").can_triage(c2)
        assert not access("Sam").can_view(c1)
        # A grant lifts a viewer on one consultation only, and can lower a triager.
        users.grant(s, users.get_user(s, "Vera"), c1, Role.TRIAGER)
        users.grant(s, users.get_user(s, "Tom"), c2, Role.VIEWER)
        assert access("Vera").triage_ids == {c1}
        assert access("Tom").triage_ids == {c1} and access("Tom").can_view(c2)
        assert not access_for(s, None).signed_in and access_for(s, None).visible_ids == set()


def test_one_read_by_token_or_session_gives_the_access_the_rule_gives(db):
    with db.session() as s:  # no consultation yet: signed in, sees nothing
        lone = factory.user(s, "Lone", "triager")
        _, raw = users.issue_token(s, lone, "tests")
        sid = sessions.start_session(s, lone)
    with db.session() as s:
        for found in (users.token_access(s, raw), sessions.session_access(s, sid)):
            assert found[0].name == "Lone" and found[1].signed_in and found[1].visible_ids == set()
    sc = factory.scene(db)
    with db.session() as s:
        users.grant(s, users.get_user(s, "Vera"), sc["c1"], Role.TRIAGER)
        users.grant(s, users.get_user(s, "Tom"), sc["c2"], Role.VIEWER)
    credentials = {}
    for name in ("Ada", "Vera", "Tom", "Sam"):
        with db.session() as s:
            user = users.get_user(s, name)
            credentials[name] = (
                users.issue_token(s, user, "tests")[1],
                sessions.start_session(s, user),
            )
        raw, sid = credentials[name]
        with db.session() as s:
            expected = access_for(s, users.get_user(s, name))
            assert expected.visible_ids  # each of them sees something
            assert users.token_access(s, raw)[1] == expected
            assert sessions.session_access(s, sid)[1] == expected
    with db.session() as s:  # a disabled user's token and session give nothing
        users.get_user(s, "Tom").disabled = True
    raw, sid = credentials["Tom"]
    with db.session() as s:
        assert users.token_access(s, raw) is None and sessions.session_access(s, sid) is None
        assert users.token_access(s, credentials["Ada"][0])[0].name == "Ada"


def test_wiki_accounts_bind_by_sub_and_follow_renames(db):
    with db.session() as s:
        users.create_user(s, "Alice", Role.TRIAGER, kind=AccountKind.MEDIAWIKI)
        with pytest.raises(UserError, match="wiki"):
            users.create_user(s, "Bob", Role.VIEWER, kind=AccountKind.MEDIAWIKI, password="x" * 12)
    with db.session() as s:
        assert users.bind_wiki_user(s, "12345", "Alice").name == "Alice"
    with db.session() as s:
        # Renamed on the wiki: the same sub finds the same account, now with the new name.
        assert users.bind_wiki_user(s, "12345", "Alice Renamed").name == "Alice Renamed"
        # Someone else taking the old name on the wiki does not get the account.
        assert users.bind_wiki_user(s, "999", "Alice") is None
        assert users.bind_wiki_user(s, "777", "Mallory") is None


def test_demo_triager_gets_a_fresh_password_each_time(db):
    with db.session() as s:
        name, first = users.ensure_demo_triager(s)
    with db.session() as s:
        again, second = users.ensure_demo_triager(s)
        assert name == again == users.DEMO_TRIAGER and first != second
        assert users.authenticate(s, name, second).role is Role.TRIAGER
        assert users.authenticate(s, name, first) is None
