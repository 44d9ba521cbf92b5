"""Code list error codes and the one error type this app raises (rendered as problem+json by ``api``)."""

from __future__ import annotations

from enum import StrEnum


class CodeListErrorCode(StrEnum):
    UNKNOWN_LIST = "codelist.unknown_list"


STATUS = {CodeListErrorCode.UNKNOWN_LIST: 404}
TITLES = {CodeListErrorCode.UNKNOWN_LIST: ("Unknown code list", "查無此代碼表")}


class CodeListError(Exception):
    def __init__(self, code: CodeListErrorCode, detail: str = ""):
        super().__init__(f"{code}: {detail}" if detail else str(code))
        self.code = code
        self.detail = detail

    @property
    def status(self) -> int:
        return STATUS[self.code]
