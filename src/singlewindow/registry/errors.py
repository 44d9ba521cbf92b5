"""Registry error codes."""

from __future__ import annotations

from enum import StrEnum


class RegistryErrorCode(StrEnum):
    INVALID_CERTIFICATE = "registry.invalid_certificate"
    CERTIFICATE_ORGANISATION_MISMATCH = "registry.certificate_organisation_mismatch"
    UNKNOWN_ROLE = "registry.unknown_role"


class RegistryError(Exception):
    def __init__(self, code: RegistryErrorCode, detail: str = ""):
        super().__init__(f"{code}: {detail}" if detail else str(code))
        self.code = code
        self.detail = detail
