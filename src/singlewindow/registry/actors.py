"""Who is acting: a person for an organisation, an organisation's system, or the Single Window."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

    from singlewindow.registry.models import ApiToken, Organisation


@dataclass(frozen=True)
class Actor:
    """Every service takes an actor so evidence always says who did what."""

    organisation: Organisation | None
    user: AbstractBaseUser | None = None
    token: ApiToken | None = None
    membership_role: str | None = None
    is_system: bool = False

    @property
    def label(self) -> str:
        if self.is_system:
            return "system"
        parts = [self.organisation.code if self.organisation else "-"]
        if self.user is not None:
            parts.append(f"user:{self.user.get_username()}")
        if self.token is not None:
            parts.append(f"token:{self.token.prefix}")
        return " ".join(parts)


SYSTEM = Actor(organisation=None, is_system=True)
