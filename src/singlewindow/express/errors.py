"""Errors of the express app: a stable code, bilingual text and the HTTP status the API answers with.

Raised by services when a request cannot be carried out; nothing has changed when one is raised.
"""

from __future__ import annotations


class ExpressError(Exception):
    def __init__(self, code: str, en: str, zh: str, *, status: int = 422, detail: str = "") -> None:
        super().__init__(en)
        self.code, self.en, self.zh, self.status, self.detail = code, en, zh, status, detail
