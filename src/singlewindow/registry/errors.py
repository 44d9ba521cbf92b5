"""Registry error codes."""

from __future__ import annotations

from enum import StrEnum


class RegistryErrorCode(StrEnum):
    INVALID_CERTIFICATE = "registry.invalid_certificate"
    CERTIFICATE_ORGANISATION_MISMATCH = "registry.certificate_organisation_mismatch"
    CERTIFICATE_SUSPENDED = "registry.certificate_suspended"
    AMBIGUOUS_SERIAL = "registry.ambiguous_serial"
    UNKNOWN_ROLE = "registry.unknown_role"
    NOT_PERMITTED = "registry.not_permitted"


STATUS = {
    RegistryErrorCode.INVALID_CERTIFICATE: 422,
    RegistryErrorCode.CERTIFICATE_ORGANISATION_MISMATCH: 422,
    RegistryErrorCode.CERTIFICATE_SUSPENDED: 409,
    RegistryErrorCode.AMBIGUOUS_SERIAL: 422,
    RegistryErrorCode.UNKNOWN_ROLE: 422,
    RegistryErrorCode.NOT_PERMITTED: 403,
}
MESSAGES = {
    RegistryErrorCode.INVALID_CERTIFICATE: ("The certificate cannot be read.", "無法讀取憑證。"),
    RegistryErrorCode.CERTIFICATE_ORGANISATION_MISMATCH: (
        "The certificate names another organisation.", "憑證所載機構與登錄機構不符。"),
    RegistryErrorCode.CERTIFICATE_SUSPENDED: (
        "The certificate has been deactivated and cannot be registered again.", "此憑證已停用，不得重新登錄。"),
    RegistryErrorCode.AMBIGUOUS_SERIAL: (
        "Certificates of several issuers hold this serial number: name the issuer.",
        "多個發證機構之憑證使用此序號，請指明發證機構。"),
    RegistryErrorCode.UNKNOWN_ROLE: ("Unknown organisation role.", "未知的機構角色。"),
    RegistryErrorCode.NOT_PERMITTED: (
        "Your role in the organisation does not allow this.", "您在機構中的角色無此權限。"),
}


class RegistryError(Exception):
    def __init__(self, code: RegistryErrorCode, detail: str = ""):
        super().__init__(f"{code}: {detail}" if detail else str(code))
        self.code = code
        self.detail = detail
