"""Who may see and triage which consultation.

The rule: an admin is admin on every consultation. Anyone else has their default role on
every consultation when ``all_consultations`` is set, or on none when it is not; a grant
sets their role on one consultation, above or below that default. A consultation a user
has no role on does not exist for them: it is neither listed nor readable nor triaged.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property

from sqlalchemy import Select, and_, bindparam, select, true
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from services.consultations.models import Consultation
from services.web.auth.models import ConsultationGrant, Role, User


@dataclass(frozen=True)
class Access:
    """What one signed-in user (or an anonymous visitor) may do, per consultation."""

    user_id: int | None = None
    name: str = ""
    role: Role | None = None
    roles: Mapping[int, Role] = field(default_factory=dict)
    # The data version of each of those consultations (services.feedback.versions), read
    # with the roles: cached queue results are keyed by them, so a request needs no read
    # of its own before it looks them up.
    versions: Mapping[int, int] = field(default_factory=dict)

    @classmethod
    def anonymous(cls) -> Access:
        return cls()

    @property
    def signed_in(self) -> bool:
        return self.user_id is not None

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN

    def role_on(self, consultation_id: int) -> Role | None:
        return self.roles.get(consultation_id)

    def can_view(self, consultation_id: int) -> bool:
        return consultation_id in self.roles

    def can_triage(self, consultation_id: int) -> bool:
        role = self.roles.get(consultation_id)
        return role is not None and role.at_least(Role.TRIAGER)

    @cached_property
    def visible_ids(self) -> frozenset[int]:
        return frozenset(self.roles)

    @cached_property
    def triage_ids(self) -> frozenset[int]:
        return frozenset(cid for cid, role in self.roles.items() if role.at_least(Role.TRIAGER))

    @property
    def may_triage_anything(self) -> bool:
        return bool(self.triage_ids)


_CONSULTATION = Consultation.__table__.c
_GRANT = ConsultationGrant.__table__.c
# Every consultation, its data version and the user's grant on it, if any: the whole rule
# in one read, made on every request, so the statement is built once.
_ROLES = select(_CONSULTATION.id, _CONSULTATION.data_version, _GRANT.role).outerjoin_from(
    Consultation.__table__,
    ConsultationGrant.__table__,
    and_(_GRANT.consultation_id == _CONSULTATION.id, _GRANT.user_id == bindparam("user_id")),
)


def access_for(session: Session | Connection, user: User | None) -> Access:
    """The roles of ``user`` (a User, or a row with its id, name, role, all_consultations
    and disabled) on every consultation, following the rule in this module's docstring."""
    if user is None or user.disabled:
        return Access.anonymous()
    return _access(user, session.execute(_ROLES, {"user_id": user.id}))


def with_roles(principal: Select) -> Select:
    """``principal``, a statement that reads one user's row (id, name, role,
    all_consultations, disabled), with one row per consultation: its id, data version and
    the user's grant on it. A request learns who asks and what they may see in one read."""
    return (
        principal.add_columns(
            _CONSULTATION.id.label("consultation_id"),
            _CONSULTATION.data_version.label("data_version"),
            _GRANT.role.label("granted"),
        )
        .outerjoin(Consultation.__table__, true())
        .outerjoin(
            ConsultationGrant.__table__,
            and_(_GRANT.consultation_id == _CONSULTATION.id, _GRANT.user_id == User.__table__.c.id),
        )
    )


def access_of_rows(rows: list) -> Access:
    """The access of the user a ``with_roles`` statement read (its rows; the first tells
    the user), following the rule in this module's docstring."""
    user = rows[0]
    if user.disabled:
        return Access.anonymous()
    return _access(
        user,
        (
            (row.consultation_id, row.data_version, row.granted)
            for row in rows
            if row.consultation_id is not None
        ),
    )


def _access(user, consultations) -> Access:
    """``user``'s access from (consultation id, data version, grant or None) of each."""
    roles: dict[int, Role] = {}
    versions: dict[int, int] = {}
    admin = user.role is Role.ADMIN
    for cid, version, granted in consultations:
        if admin or (granted is None and user.all_consultations):
            roles[cid] = user.role
        elif granted is not None:
            roles[cid] = granted
        else:
            continue
        versions[cid] = version
    return Access(user_id=user.id, name=user.name, role=user.role, roles=roles, versions=versions)
