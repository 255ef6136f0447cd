"""Who may see and triage which consultation.

The rule: an admin is admin on every consultation. Anyone else has their default role on
every consultation when ``all_consultations`` is set, or on none when it is not; a grant
sets their role on one consultation, above or below that default. A consultation a user
has no role on does not exist for them: it is neither listed nor readable nor triaged.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from sqlalchemy import select
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

    @property
    def visible_ids(self) -> frozenset[int]:
        return frozenset(self.roles)

    @property
    def triage_ids(self) -> frozenset[int]:
        return frozenset(cid for cid, role in self.roles.items() if role.at_least(Role.TRIAGER))

    @property
    def may_triage_anything(self) -> bool:
        return bool(self.triage_ids)


def access_for(session: Session, user: User | None) -> Access:
    """The roles of ``user`` on every consultation, following the rule in this module's docstring."""
    if user is None or user.disabled:
        return Access.anonymous()
    roles: dict[int, Role] = {}
    if user.role is Role.ADMIN or user.all_consultations:
        roles = {cid: user.role for cid in session.scalars(select(Consultation.id))}
    if user.role is not Role.ADMIN:
        grants = session.execute(
            select(ConsultationGrant.consultation_id, ConsultationGrant.role)
            .where(ConsultationGrant.user_id == user.id))
        roles.update({cid: role for cid, role in grants})
    return Access(user_id=user.id, name=user.name, role=user.role, roles=roles)
