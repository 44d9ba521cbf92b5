"""Code list error codes and the one error type this app raises; rendered as problem+json."""

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

    def problem(self) -> dict[str, object]:
        """RFC 9457 problem details in the shape every other API error uses."""
        en, zh = TITLES[self.code]
        return {
            "type": f"urn:singlewindow:problem:{self.code}",
            "title": f"{en} / {zh}",
            "status": self.status,
            "detail": self.detail or en,
            "code": str(self.code),
            "errors": [{"code": str(self.code), "pointer": "", "message": {"en": self.detail or en, "zh-Hant": zh}}],
        }
