"""API authentication: a bearer token for systems, the session for people in the portal."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.security import APIKeyCookie, HttpBearer

from singlewindow.registry.actors import Actor
from singlewindow.registry.errors import RegistryError, RegistryErrorCode
from singlewindow.registry.selectors import actor_for_token, actor_for_user
from singlewindow.registry.viewers import acts_as_viewer


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Actor | None:
        return actor_for_token(token)


class SessionActorAuth(APIKeyCookie):
    """The portal's session cookie (CSRF-checked for unsafe methods)."""

    param_name = "sessionid"

    def _get_key(self, request: HttpRequest) -> str | None:
        # No session cookie: nothing to authenticate, so no CSRF question either; a system
        # with a bad bearer token then gets 401, not a confusing CSRF refusal.
        if self.param_name not in request.COOKIES:
            return None
        return super()._get_key(request)

    def authenticate(self, request: HttpRequest, key: str | None) -> Actor | None:
        actor = actor_for_user(request.user)
        if actor is not None and acts_as_viewer(actor.membership_role, request.method or ""):
            raise RegistryError(RegistryErrorCode.NOT_PERMITTED, "a viewer may look but not act")
        return actor


API_AUTH: list[Any] = [TokenAuth(), SessionActorAuth()]


def actor_of(request: HttpRequest) -> Actor:
    actor = getattr(request, "auth", None)
    assert isinstance(actor, Actor)
    return actor
