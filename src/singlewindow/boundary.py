"""What every request meets at the door, before any app sees it.

- NUL characters are refused in the path, the query string and JSON bodies of the API: PostgreSQL's
  text cannot hold them, so a value carrying one would fail the request's query as a server error
  (SQLite would store it). Nothing legitimate carries one.
- A Content-Length that is not a number is refused: Django fails reading such a body with a server
  error (gunicorn refuses the request first; other servers may not).
- Under ``/api/`` every refusal is RFC 9457 problem+json, including those Django and django-ninja
  make before any of the project's handlers run (an unknown path, a method the path does not take,
  a body over Django's upload limit), which they would otherwise answer as HTML or as ninja's JSON.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from ninja.parser import Parser

from singlewindow.datamodel.identifiers import is_digits
from singlewindow.problems import PROBLEM, problem_response

API_PREFIX = "/api/"

# Django's and ninja's own refusals, by status: (code, English, Chinese).
_REFUSALS = {
    400: ("request.malformed", "The request is malformed.", "請求格式錯誤。"),
    404: ("not_found", "Not found.", "查無資料。"),
    405: ("request.method_not_allowed", "This path does not take that method.", "此路徑不接受該請求方法。"),
}


class NulRefusingParser(Parser):
    """django-ninja's JSON body parser, refusing a body with an escaped NUL (a raw one is not JSON).

    A parser's failure is answered as 400 "Cannot parse request body" (problem+json, ``http.error``).
    """

    def parse_body(self, request: HttpRequest) -> dict[str, Any]:
        if b"\\u0000" in request.body:
            raise ValueError("the body carries a NUL character")
        return super().parse_body(request)


class BoundaryMiddleware:
    """Refuses NUL characters in the path and query string and a Content-Length that is not a number;
    answers refusals under ``/api/`` as problems."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if "\x00" in request.path_info or "%00" in request.META.get("QUERY_STRING", ""):
            return self._refusal(request, 400, detail="The request carries a NUL character.")
        length = request.META.get("CONTENT_LENGTH") or "0"
        if not is_digits(length):  # Django would fail reading the body
            return self._refusal(request, 400, detail="Content-Length is not a number.")
        response = self.get_response(request)
        if (response.status_code in _REFUSALS and request.path_info.startswith(API_PREFIX)
                and not response.get("Content-Type", "").startswith(PROBLEM)):
            refusal = self._refusal(request, response.status_code)
            if response.has_header("Allow"):
                refusal["Allow"] = response["Allow"]
            return refusal
        return response

    @staticmethod
    def _refusal(request: HttpRequest, status: int, detail: str = "") -> HttpResponse:
        code, en, zh = _REFUSALS[status]
        en = detail or en
        if not request.path_info.startswith(API_PREFIX):
            return HttpResponse(f"{en}\n{zh}\n", status=status, content_type="text/plain; charset=utf-8")
        item: dict[str, object] = {"code": code, "pointer": "", "message": {"en": en, "zh-Hant": zh}}
        return problem_response(status, code, f"{en} / {zh}", [item])


def message_body(request: HttpRequest) -> tuple[bytes, int]:
    """(the body, the length the request declares) for an endpoint taking a message as its body; the body
    is empty when that length is over ``SW_MAX_MESSAGE_BYTES`` (and is then read no further)."""
    declared = int(request.META.get("CONTENT_LENGTH") or 0)  # a number: see ``BoundaryMiddleware``
    limit = settings.SW_MAX_MESSAGE_BYTES
    try:
        return (b"" if declared > limit else request.body), declared
    except RequestDataTooBig:
        return b"", limit + 1
