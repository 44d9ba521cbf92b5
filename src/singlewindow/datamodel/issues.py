"""Problems found in a submitted message, each with a stable code, a pointer and two languages."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Issue:
    """One fault: ``pointer`` locates it in the submitted format (here a JSON pointer)."""

    code: str
    pointer: str
    en: str
    zh: str

    def as_dict(self) -> dict[str, object]:
        return {"code": self.code, "pointer": self.pointer, "message": {"en": self.en, "zh-Hant": self.zh}}


class MessageInvalid(Exception):
    """Raised by codecs and data-set validation with every issue found."""

    def __init__(self, issues: list[Issue]):
        super().__init__("; ".join(f"{i.code} at {i.pointer or '/'}" for i in issues))
        self.issues = issues


def json_pointer(path: tuple[object, ...] | list[object]) -> str:
    """RFC 6901 pointer for a location given as keys and indexes."""
    parts = (str(p).replace("~", "~0").replace("/", "~1") for p in path)
    return "".join("/" + p for p in parts)
