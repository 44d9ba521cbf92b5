"""Errors of the cargo app: a stable code, bilingual text and the HTTP status the API answers with.

Raised by services when a request cannot be carried out; nothing has changed when one is raised.
"""

from __future__ import annotations


class CargoError(Exception):
    def __init__(self, code: str, en: str, zh: str, *, status: int = 422, detail: str = "") -> None:
        super().__init__(en)
        self.code, self.en, self.zh, self.status, self.detail = code, en, zh, status, detail


def not_found() -> CargoError:
    """Not yours and not there answer alike."""
    return CargoError("cargo.not_found", "No such bill, report or release is visible to you.",
                      "查無此提單、報告或放行資料，或您無權查閱。", status=404)


def not_allowed(en: str, zh: str) -> CargoError:
    return CargoError("cargo.not_allowed", en, zh, status=403)


def conflict(code: str, en: str, zh: str, detail: str = "") -> CargoError:
    return CargoError(code, en, zh, status=409, detail=detail)


def invalid(code: str, en: str, zh: str, detail: str = "") -> CargoError:
    return CargoError(code, en, zh, status=422, detail=detail)
