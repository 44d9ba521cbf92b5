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
    UNKNOWN_ORGANISATION = "registry.unknown_organisation"
    NOT_AN_AGENT = "registry.not_an_agent"
    NOT_A_PRINCIPAL = "registry.not_a_principal"
    INVALID_DATES = "registry.invalid_dates"
    NOT_FOUND = "not_found"


STATUS = {
    RegistryErrorCode.INVALID_CERTIFICATE: 422,
    RegistryErrorCode.CERTIFICATE_ORGANISATION_MISMATCH: 422,
    RegistryErrorCode.CERTIFICATE_SUSPENDED: 409,
    RegistryErrorCode.AMBIGUOUS_SERIAL: 422,
    RegistryErrorCode.UNKNOWN_ROLE: 422,
    RegistryErrorCode.NOT_PERMITTED: 403,
    RegistryErrorCode.UNKNOWN_ORGANISATION: 422,
    RegistryErrorCode.NOT_AN_AGENT: 422,
    RegistryErrorCode.NOT_A_PRINCIPAL: 403,
    RegistryErrorCode.INVALID_DATES: 422,
    RegistryErrorCode.NOT_FOUND: 404,
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
    RegistryErrorCode.UNKNOWN_ORGANISATION: (
        "No active organisation has that business ID.", "查無使用此統一編號之有效機構。"),
    RegistryErrorCode.NOT_AN_AGENT: (
        "Only another organisation that is a customs broker, forwarder or express operator can hold a mandate.",
        "僅報關業者、承攬業者或快遞業者等其他機構得受委任。"),
    RegistryErrorCode.NOT_A_PRINCIPAL: (
        "Only a trader or a forwarder gives mandates.", "僅貿易業者或承攬業者得委任他人。"),
    RegistryErrorCode.INVALID_DATES: ("The last day comes before the first.", "迄日早於起日。"),
    RegistryErrorCode.NOT_FOUND: ("Not found.", "查無資料。"),
}


class RegistryError(Exception):
    def __init__(self, code: RegistryErrorCode, detail: str = ""):
        super().__init__(f"{code}: {detail}" if detail else str(code))
        self.code = code
        self.detail = detail

    @property
    def status(self) -> int:
        return STATUS[self.code]
