"""A viewer looks and does not act: the one rule behind the ``viewer`` membership role.

Screens are many and each app has its own, so the rule sits where every request passes: the
session API's authentication (``registry.auth``) and, for the server-rendered pages, this
middleware. Tokens act for the organisation's systems and are never viewers.
"""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from singlewindow.registry.models import Membership
from singlewindow.registry.selectors import actor_for_user

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Paths a viewer may still post to: leaving, choosing a language, and the back office, whose own
# permissions decide there.
_OPEN_PREFIXES = ("/api/", "/login/", "/logout/", "/i18n/", "/admin/")


def acts_as_viewer(role: str | None, method: str) -> bool:
    """Whether a request with this method, by someone of this membership role, must be refused."""
    return role == Membership.Role.VIEWER and method not in SAFE_METHODS


class ViewerReadOnlyMiddleware:
    """Refuse (403) every unsafe request a viewer makes to the pages; the API refuses its own."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if (request.method not in SAFE_METHODS and not request.path_info.startswith(_OPEN_PREFIXES)
                and request.user.is_authenticated):
            actor = actor_for_user(request.user)
            if actor is not None and acts_as_viewer(actor.membership_role, request.method or ""):
                raise PermissionDenied("a viewer may look but not act")
        return self.get_response(request)
