"""Errors of the express app: a stable code, bilingual text and the HTTP status the API answers with.

Raised by services when a request cannot be carried out; nothing has changed when one is raised.
"""

from __future__ import annotations


class ExpressError(Exception):
    def __init__(self, code: str, en: str, zh: str, *, status: int = 422, detail: str = "") -> None:
        super().__init__(en)
        self.code, self.en, self.zh, self.status, self.detail = code, en, zh, status, detail


def not_found(what_en: str = "appointment", what_zh: str = "預約") -> ExpressError:
    """'Not yours' and 'not found' answer the same, so nobody learns what others booked."""
    return ExpressError("express.not_found", f"No such {what_en}.", f"查無此{what_zh}。", status=404)


def forbidden(en: str, zh: str) -> ExpressError:
    return ExpressError("express.forbidden", en, zh, status=403)


def stale(current: int) -> ExpressError:
    """Someone else changed the record since it was read (optimistic version check)."""
    return ExpressError(
        "express.version_conflict",
        f"Someone else changed this record meanwhile (it is now at version {current}); reload and try again.",
        f"此筆資料已由他人更新（目前版本 {current}），請重新載入後再試。", status=409)


def _quoted(text: str, detail: str) -> str:
    return f"{text} ({detail})" if detail else text


def invalid(code: str, en: str, zh: str, detail: str = "") -> ExpressError:
    """Bad input; ``detail`` (the offending value, short) is quoted in both texts."""
    return ExpressError(f"express.{code}", _quoted(en, detail), _quoted(zh, detail), status=422)


def conflict(code: str, en: str, zh: str, detail: str = "", *, next_slot: str = "") -> ExpressError:
    """The request clashes with the record's state; ``next_slot`` is the ISO start of the next free slot."""
    return ExpressError(f"express.{code}", _quoted(en, detail), _quoted(zh, detail), status=409,
                        detail=f"next free slot: {next_slot}" if next_slot else "")
