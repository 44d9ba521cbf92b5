"""RFC 9457 problem+json responses in the one shape every API error uses.

Every refusal carries a stable ``code``, a bilingual title and a list of ``{code, pointer,
message{en, zh-Hant}}`` items; routers and exception handlers build it here, nowhere else.
"""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpResponse
from ninja import Schema

PROBLEM = "application/problem+json"


class ProblemOut(Schema):
    """The problem+json body, for the OpenAPI description of error answers."""

    type: str
    title: str
    status: int
    detail: str
    code: str
    errors: list[dict[str, Any]]


def problem_body(status: int, code: str, title: str, errors: list[dict[str, object]],
                 detail: str = "") -> dict[str, object]:
    return {"type": f"urn:singlewindow:problem:{code}", "title": title, "status": status,
            "detail": detail or title, "code": code, "errors": errors}


def problem_response(status: int, code: str, title: str, errors: list[dict[str, object]],
                     detail: str = "") -> HttpResponse:
    body = problem_body(status, code, title, errors, detail)
    return HttpResponse(json.dumps(body, ensure_ascii=False), status=status, content_type=PROBLEM)


def coded_problem(status: int, code: str, en: str, zh: str, detail: str = "") -> HttpResponse:
    """A refusal with one item: the error's own code, titled in both languages."""
    item: dict[str, object] = {"code": code, "pointer": "", "message": {"en": detail or en, "zh-Hant": zh}}
    return problem_response(status, code, f"{en} / {zh}", [item], detail)
