"""``convene user``: add, token, revoke-token, grant, list."""

from __future__ import annotations

import dashboard_factory as factory
import pytest
from click.testing import CliRunner

from services.cli.users import command
from services.web.auth import users
from services.web.auth.models import AccountKind, Role


class _Obj:
    """What ``convene`` hands its commands (services.cli.Context): configuration and database."""

    def __init__(self, config, db):
        self.config, self.db = config, db


@pytest.fixture
def run(config, db):
    def invoke(*args, stdin=None):
        assert args[0] == "user"
        return CliRunner().invoke(
            command, list(args[1:]), input=stdin, obj=_Obj(config, db), catch_exceptions=False
        )

    return invoke


def test_add_with_password_from_stdin(run, db):
    result = run(
        "user",
        "add",
        "Tom",
        "--role",
        "triager",
        "--password-stdin",
        stdin="a long enough password\n",
    )
    assert result.exit_code == 0, result.output
    assert "password" not in result.output.lower().split("added")[1]
    with db.session() as s:
        assert users.authenticate(s, "Tom", "a long enough password").role is Role.TRIAGER


def test_add_generates_a_password_once_and_scopes(run, db):
    with db.session() as s:
        _, rev, _ = factory.document(s)
        c = factory.consultation(s, rev)
    result = run("user", "add", "Sam", "--role", "viewer", "--consultation", str(c.id))
    assert result.exit_code == 0
    password = result.output.rsplit("password (shown once): ", 1)[1].strip()
    with db.session() as s:
        sam = users.authenticate(s, "Sam", password)
        assert sam is not None and not sam.all_consultations
        assert [(g.consultation_id, g.role) for g in sam.grants] == [(c.id, Role.VIEWER)]


def test_add_refuses_bad_input(run):
    assert run("user", "add", "<script>", "--role", "viewer").exit_code != 0
    assert run("user", "add", "Tom", "--role", "boss").exit_code != 0
    assert run("user", "add", "Tom", "--role", "viewer", "--consultation", "99").exit_code != 0
    short = run("user", "add", "Tom", "--role", "viewer", "--password-stdin", stdin="short\n")
    assert short.exit_code != 0 and "shorter" in short.output
    assert (
        run("user", "add", "Wiki", "--role", "viewer", "--wiki", "--password-stdin").exit_code != 0
    )


def test_wiki_account_has_no_password(run, db):
    assert run("user", "add", "Alice", "--role", "triager", "--wiki").exit_code == 0
    with db.session() as s:
        alice = users.get_user(s, "Alice")
        assert alice.kind is AccountKind.MEDIAWIKI and alice.password_hash is None


def test_token_revoke_grant_and_list(run, db):
    with db.session() as s:
        factory.user(s, "Tom", "viewer")
        _, rev, _ = factory.document(s)
        c = factory.consultation(s, rev)
    result = run("user", "token", "Tom", "--label", "nightly export")
    raw = result.stdout.strip().splitlines()[-1]
    assert raw.startswith(users.TOKEN_PREFIX)
    with db.session() as s:
        assert users.token_user(s, raw).name == "Tom"
    listing = run("user", "list").output
    assert "Tom\tviewer\tlocal" in listing and "'nightly export' active" in listing
    token_id = listing.split("token ")[1].split()[0]
    assert run("user", "revoke-token", token_id).exit_code == 0
    with db.session() as s:
        assert users.token_user(s, raw) is None
    assert "revoked" in run("user", "list").output
    assert run("user", "grant", "Tom", str(c.id), "--role", "triager").exit_code == 0
    assert f"consultation {c.id}: triager" in run("user", "list").output
    assert run("user", "token", "Nobody").exit_code != 0
    assert run("user", "revoke-token", "999").exit_code != 0
