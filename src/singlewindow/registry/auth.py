"""API authentication: a bearer token for systems, the session for people in the portal."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.security import APIKeyCookie, HttpBearer

from singlewindow.registry.actors import Actor
from singlewindow.registry.selectors import actor_for_token, actor_for_user


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
        return actor_for_user(request.user)


API_AUTH: list[Any] = [TokenAuth(), SessionActorAuth()]


def actor_of(request: HttpRequest) -> Actor:
    actor = getattr(request, "auth", None)
    assert isinstance(actor, Actor)
    return actor
