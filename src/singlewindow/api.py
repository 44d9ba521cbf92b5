"""Assembles every app's router under /api/v1 and renders errors as RFC 9457 problem+json."""

from __future__ import annotations

import json

from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from singlewindow.boundary import NulRefusingParser
from singlewindow.cargo.api import router as cargo_router
from singlewindow.cargo.errors import CargoError
from singlewindow.codelists.api import router as codelists_router
from singlewindow.codelists.errors import TITLES as CODE_LIST_TITLES
from singlewindow.codelists.errors import CodeListError
from singlewindow.customs.api import public_router as customs_public_router
from singlewindow.customs.api import router as customs_router
from singlewindow.customs.services import CaseError
from singlewindow.datamodel.issues import json_pointer
from singlewindow.datamodel_api import router as schemas_router
from singlewindow.exchange.api import evidence_router
from singlewindow.exchange.api import router as exchange_router
from singlewindow.exchange.errors import ExchangeError
from singlewindow.express.api import router as express_router
from singlewindow.express.errors import ExpressError
from singlewindow.payments.api import router as payments_router
from singlewindow.payments.errors import PaymentsError
from singlewindow.permits.api import router as permits_router
from singlewindow.permits.errors import MESSAGES as PERMIT_MESSAGES
from singlewindow.permits.errors import PermitError
from singlewindow.problems import PROBLEM, coded_problem, problem_response
from singlewindow.registry.api import router as registry_router
from singlewindow.registry.errors import MESSAGES as REGISTRY_MESSAGES
from singlewindow.registry.errors import STATUS as REGISTRY_STATUS
from singlewindow.registry.errors import RegistryError

api = NinjaAPI(
    title="Single Window API",
    version="1",
    description="Submit trade data once: signed intake, evidence, routing, mailboxes, timelines.",
    urls_namespace="api",
    parser=NulRefusingParser(),
)
api.add_router("/", exchange_router)
api.add_router("/evidence", evidence_router)
api.add_router("/registry", registry_router)
api.add_router("/codelists", codelists_router)
api.add_router("/schemas", schemas_router)
api.add_router("/customs", customs_router)
api.add_router("/customs/public", customs_public_router)
api.add_router("/permits", permits_router)
api.add_router("/cargo", cargo_router)
api.add_router("/express", express_router)
api.add_router("/payments", payments_router)

# A case action refused because of the case's state is a conflict; bad input is unprocessable.
_CASE_CONFLICTS = frozenset({"case.transition_not_allowed", "case.not_yet", "case.wrong_state",
                             "case.inspection_needed", "case.not_c3"})

@api.exception_handler(ExchangeError)
def _exchange_error(request: HttpRequest, exc: ExchangeError) -> HttpResponse:
    return HttpResponse(json.dumps(exc.problem(), ensure_ascii=False), status=exc.status, content_type=PROBLEM)


@api.exception_handler(RegistryError)
def _registry_error(request: HttpRequest, exc: RegistryError) -> HttpResponse:
    en, zh = REGISTRY_MESSAGES[exc.code]
    return coded_problem(REGISTRY_STATUS[exc.code], str(exc.code), en, zh, exc.detail)


@api.exception_handler(CodeListError)
def _code_list_error(request: HttpRequest, exc: CodeListError) -> HttpResponse:
    en, zh = CODE_LIST_TITLES[exc.code]
    return coded_problem(exc.status, str(exc.code), en, zh, exc.detail)


@api.exception_handler(CaseError)
def _case_error(request: HttpRequest, exc: CaseError) -> HttpResponse:
    status = 404 if exc.code == "case.not_found" else 409 if exc.code in _CASE_CONFLICTS else 422
    return coded_problem(status, exc.code, exc.en, exc.zh)


@api.exception_handler(PermitError)
def _permit_error(request: HttpRequest, exc: PermitError) -> HttpResponse:
    en, zh = PERMIT_MESSAGES[exc.code]
    return coded_problem(exc.status, str(exc.code), en, zh, exc.detail)


@api.exception_handler(CargoError)
@api.exception_handler(ExpressError)
@api.exception_handler(PaymentsError)
def _domain_error(request: HttpRequest, exc: CargoError | ExpressError | PaymentsError) -> HttpResponse:
    return coded_problem(exc.status, exc.code, exc.en, exc.zh, exc.detail)


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    message = {"en": "Log in or send a valid API token.", "zh-Hant": "請登入或提供有效的 API 權杖。"}
    return problem_response(401, "auth.required", "Authentication required / 需要驗證身分",
                            [{"code": "auth.required", "pointer": "header:Authorization", "message": message}])


@api.exception_handler(ValidationError)
def _invalid_request(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    errors: list[dict[str, object]] = [
        {"code": f"request.{e.get('type', 'invalid')}", "pointer": json_pointer(list(e.get("loc", []))),
         "message": {"en": str(e.get("msg", "invalid")), "zh-Hant": "請求內容格式錯誤。"}}
        for e in exc.errors[:50]
    ]
    return problem_response(422, "request.invalid", "Request does not validate / 請求驗證失敗", errors)


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return problem_response(exc.status_code, "http.error", str(exc),
                            [{"code": "http.error", "pointer": "", "message": {"en": str(exc), "zh-Hant": str(exc)}}])
