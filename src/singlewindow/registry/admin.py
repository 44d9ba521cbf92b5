"""Back office for the registry: every add, change and delete leaves an audit record.

Writes that have a registry service (certificates, trust anchors, revocations, API tokens)
go through that service, so the admin applies the same checks and side effects as the rest
of the system; plain edits are audited by ``AuditedAdmin`` with old and new field values.
"""

from __future__ import annotations

import copy
import hashlib
import json
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

from cryptography import x509
from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group, User
from django.db import models, transaction
from django.forms import ModelForm
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from singlewindow.registry import pki, trust
from singlewindow.registry import services as registry_services
from singlewindow.registry.actors import Actor
from singlewindow.registry.models import (
    AccessGrant,
    ApiToken,
    AuditRecord,
    Certificate,
    Mandate,
    Membership,
    Organisation,
    OrganisationRole,
    OrganisationRoleAssignment,
    RevokedCertificate,
    Service,
    TrustAnchor,
)

admin.site.site_header = _("Single Window back office")
admin.site.site_title = _("Single Window")
admin.site.index_title = _("Registry, exchange and evidence")

AUDIT_SKIP = frozenset({"pem", "token_hash"})
"""Fields left out of audit values: long (PEM, kept as its fingerprint) or secret-derived."""


def admin_actor(request: HttpRequest) -> Actor:
    """Back-office people act for the Single Window, not for a member organisation."""
    return Actor(organisation=None, user=request.user)  # type: ignore[arg-type]


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, UUID | Decimal):
        return str(value)
    if isinstance(value, list | tuple | set | frozenset):
        return [_jsonable(v) for v in value]
    return str(value)


AUDIT_DIGEST = frozenset({"password"})
"""Fields audited by a digest of their value: a change shows, the secret-derived value does not."""


def snapshot(obj: models.Model) -> dict[str, Any]:
    """Concrete field values as JSON (foreign keys as their ids), for before/after diffs."""
    return {
        field.name: _digest(field.value_from_object(obj)) if field.name in AUDIT_DIGEST
        else _jsonable(field.value_from_object(obj))
        for field in obj._meta.concrete_fields
        if field.name not in AUDIT_SKIP
    }


def _digest(value: Any) -> str:
    return "sha256:" + hashlib.sha256(str(value).encode()).hexdigest()[:12] if value else ""


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        name: {"old": before.get(name), "new": after.get(name)}
        for name in sorted(before.keys() | after.keys())
        if before.get(name) != after.get(name)
    }


def adopt(form_object: models.Model, saved: models.Model) -> None:
    """Make the admin's unsaved form object the row a service saved, for logging and redirects."""
    for field in saved._meta.concrete_fields:
        setattr(form_object, field.attname, getattr(saved, field.attname))
    form_object._state.adding = False
    form_object._state.db = saved._state.db


class AuditedAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Records an ``AuditRecord`` for every admin write, inlines included.

    The admin runs each add/change/delete view in one transaction, so a change and its audit
    record commit or roll back together.
    """

    def after_write(self) -> None:
        """Hook for side effects that must follow any write (e.g. refreshing the trust cache)."""

    def _stored(self, obj: models.Model) -> models.Model | None:
        return type(obj)._default_manager.filter(pk=obj.pk).first() if obj.pk is not None else None

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        stored = self._stored(obj) if change else None
        before = snapshot(stored) if stored is not None else {}
        super().save_model(request, obj, form, change)
        changes = diff(before, snapshot(obj))
        if changes:
            registry_services.record_audit(actor_user=request.user,
                                           action="change" if change else "create",
                                           obj=obj, changes=changes)
            self.after_write()

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        registry_services.record_audit(actor_user=request.user, action="delete", obj=obj,
                                       changes=diff(snapshot(obj), {}))
        super().delete_model(request, obj)
        self.after_write()

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        for obj in queryset:
            registry_services.record_audit(actor_user=request.user, action="delete", obj=obj,
                                           changes=diff(snapshot(obj), {}))
        super().delete_queryset(request, queryset)
        self.after_write()

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        """Audit inline rows: load stored copies first, since validation already edited them."""
        model = formset.model
        existing = [f.instance for f in formset.initial_forms if f.instance.pk is not None]
        stored = model._default_manager.in_bulk([obj.pk for obj in existing])
        before = {id(obj): stored.get(obj.pk) for obj in existing}
        super().save_formset(request, form, formset, change)
        wrote = False
        for obj in formset.new_objects:
            registry_services.record_audit(actor_user=request.user, action="create", obj=obj,
                                           changes=diff({}, snapshot(obj)))
            wrote = True
        for obj, _fields in formset.changed_objects:
            old = before.get(id(obj))
            changes = diff(snapshot(old) if old is not None else {}, snapshot(obj))
            if changes:
                registry_services.record_audit(actor_user=request.user, action="change", obj=obj,
                                               changes=changes)
                wrote = True
        for obj in formset.deleted_objects:
            # Deleting cleared the instance's pk; the stored copy still names the row.
            old = before.get(id(obj)) or copy.copy(obj)
            registry_services.record_audit(actor_user=request.user, action="delete", obj=old,
                                           changes=diff(snapshot(old), {}))
            wrote = True
        if wrote:
            self.after_write()


class TrustChangingAdmin(AuditedAdmin):
    """Trust anchors and revocations feed the cached chain verifier: refresh it after commit."""

    def after_write(self) -> None:
        transaction.on_commit(trust.invalidate)


# --------------------------------------------------------------------------- organisations


class RoleAssignmentInline(admin.TabularInline):  # type: ignore[type-arg]
    model = OrganisationRoleAssignment
    extra = 1
    verbose_name = _("role")
    verbose_name_plural = _("roles")


class MembershipInline(admin.TabularInline):  # type: ignore[type-arg]
    model = Membership
    extra = 0
    autocomplete_fields = ("user",)


@admin.register(Organisation)
class OrganisationAdmin(AuditedAdmin):
    list_display = ("code", "name_en", "name_zh", "business_id", "role_list", "engine", "is_active")
    list_filter = ("roles__role", "is_active")
    search_fields = ("code", "business_id", "name_en", "name_zh", "office_code")
    readonly_fields = ("id", "created_at")
    fields = ("id", "code", "business_id", "name_en", "name_zh", "office_code", "engine",
              "is_active", "created_at")
    inlines = (RoleAssignmentInline, MembershipInline)

    def get_queryset(self, request: HttpRequest) -> models.QuerySet[Organisation]:
        return super().get_queryset(request).prefetch_related("roles")

    @admin.display(description=_("Roles"))
    def role_list(self, obj: Organisation) -> str:
        labels = dict(OrganisationRole.choices)
        return ", ".join(str(labels.get(code, code)) for code in sorted(obj.role_codes))


@admin.register(Membership)
class MembershipAdmin(AuditedAdmin):
    list_display = ("user", "organisation", "role")
    list_filter = ("role",)
    search_fields = ("user__username", "organisation__code", "organisation__name_en")
    autocomplete_fields = ("user", "organisation")
    list_select_related = ("user", "organisation")


@admin.register(Mandate)
class MandateAdmin(AuditedAdmin):
    """Mandates (報關委任): which agent acts for which principal, and from when to when."""

    list_display = ("principal", "agent", "valid_from", "valid_until", "is_active")
    list_filter = ("is_active",)
    search_fields = ("principal__code", "principal__business_id", "principal__name_en", "agent__code",
                     "agent__business_id", "agent__name_en")
    autocomplete_fields = ("principal", "agent")
    list_select_related = ("principal", "agent")
    readonly_fields = ("created_at",)


# --------------------------------------------------------------------------- services


class AccessGrantInline(admin.TabularInline):  # type: ignore[type-arg]
    model = AccessGrant
    extra = 0
    autocomplete_fields = ("organisation",)


@admin.register(Service)
class ServiceAdmin(AuditedAdmin):
    list_display = ("code", "message_type", "owner", "security", "processing_time", "is_active")
    list_filter = ("security", "is_active")
    search_fields = ("code", "message_type", "name_en", "name_zh")
    autocomplete_fields = ("owner",)
    list_select_related = ("owner",)
    inlines = (AccessGrantInline,)


@admin.register(AccessGrant)
class AccessGrantAdmin(AuditedAdmin):
    list_display = ("service", "direction", "organisation", "role")
    list_filter = ("direction", "role", "service")
    search_fields = ("service__code", "service__message_type", "organisation__code")
    autocomplete_fields = ("service", "organisation")
    list_select_related = ("service", "organisation")


# --------------------------------------------------------------------------- certificates


def _parse_pem(pem: str) -> x509.Certificate:
    try:
        return pki.load_certificate_pem(pem.strip())
    except (ValueError, TypeError):
        raise forms.ValidationError(
            _("This is not a PEM certificate. Paste the text from -----BEGIN CERTIFICATE----- "
              "to -----END CERTIFICATE-----."),
            code="invalid_pem",
        ) from None


class CertificateAddForm(ModelForm):  # type: ignore[type-arg]
    """Paste a PEM; the registry service fills fingerprint, serial, subject and validity."""

    class Meta:
        model = Certificate
        fields = ("organisation", "pem")
        labels = {"pem": _("Certificate (PEM)")}

    def clean(self) -> dict[str, Any]:
        cleaned: dict[str, Any] = super().clean() or {}
        organisation = cleaned.get("organisation")
        pem = cleaned.get("pem")
        if not pem:
            return cleaned
        try:
            cert = _parse_pem(pem)
        except forms.ValidationError as error:
            self.add_error("pem", error)
            return cleaned
        named = pki.certificate_org_code(cert)
        if named is None:
            self.add_error("pem", forms.ValidationError(
                _("The certificate names no organisation: its subject needs one serialNumber, the "
                  "organisation code."), code="no_organisation"))
            return cleaned
        if organisation is not None and named != organisation.code:
            self.add_error("pem", forms.ValidationError(
                _("The certificate names organisation %(named)s, not %(chosen)s."),
                code="organisation_mismatch", params={"named": named, "chosen": organisation.code}))
            return cleaned
        holder = Certificate.objects.filter(fingerprint=pki.fingerprint(cert)).exclude(
            organisation=organisation).select_related("organisation").first()
        if holder is not None:
            self.add_error("pem", forms.ValidationError(
                _("This certificate is already registered to %(holder)s."),
                code="already_registered", params={"holder": holder.organisation.code}))
        elif Certificate.objects.filter(fingerprint=pki.fingerprint(cert), is_active=False).exists():
            self.add_error("pem", forms.ValidationError(
                _("This certificate was deactivated. To use it again, mark it active on its own page."),
                code="deactivated"))
        return cleaned


@admin.register(Certificate)
class CertificateAdmin(AuditedAdmin):
    list_display = ("organisation", "serial", "subject", "not_before", "not_after", "is_active")
    list_filter = ("is_active",)
    search_fields = ("organisation__code", "serial", "fingerprint", "subject")
    list_select_related = ("organisation",)
    autocomplete_fields = ("organisation",)
    shown = ("organisation", "fingerprint", "serial", "subject", "not_before", "not_after",
             "registered_at", "is_active", "pem")

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False,
                 **kwargs: Any) -> Any:
        if obj is None:
            kwargs["form"] = CertificateAddForm
        return super().get_form(request, obj, change, **kwargs)

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return ("organisation", "pem") if obj is None else self.shown

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return ()
        return tuple(name for name in self.shown if name != "is_active")

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if change:  # only is_active can change; audited as a plain edit
            super().save_model(request, obj, form, change)
            return
        certificate = registry_services.register_certificate(
            organisation=form.cleaned_data["organisation"], pem=form.cleaned_data["pem"],
            actor=admin_actor(request))
        adopt(obj, certificate)


class TrustAnchorAddForm(ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = TrustAnchor
        fields = ("name", "pem")
        labels = {"pem": _("Root CA certificate (PEM)")}

    certificate: x509.Certificate

    def clean_pem(self) -> str:
        pem: str = self.cleaned_data["pem"]
        cert = _parse_pem(pem)
        try:
            pki.ChainVerifier([cert], cache_size=1)  # refuses anything that is not a CA
        except ValueError:
            raise forms.ValidationError(_("This certificate is not a CA certificate."),
                                        code="not_ca") from None
        if TrustAnchor.objects.filter(fingerprint=pki.fingerprint(cert)).exists():
            raise forms.ValidationError(_("This root is already trusted."), code="duplicate")
        self.certificate = cert
        return pem


@admin.register(TrustAnchor)
class TrustAnchorAdmin(TrustChangingAdmin):
    list_display = ("name", "fingerprint", "created_at")
    search_fields = ("name", "fingerprint")

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False,
                 **kwargs: Any) -> Any:
        if obj is None:
            kwargs["form"] = TrustAnchorAddForm
        return super().get_form(request, obj, change, **kwargs)

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return ("name", "pem") if obj is None else ("name", "fingerprint", "created_at", "pem")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return () if obj is None else ("fingerprint", "created_at", "pem")

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        anchor = registry_services.add_trust_anchor(
            name=form.cleaned_data["name"], certificate=form.certificate,
            actor=admin_actor(request))
        adopt(obj, anchor)


class RevocationAddForm(ModelForm):  # type: ignore[type-arg]
    # Wider than the stored column: a pasted "0x"- or colon-separated serial is normalised
    # down to bare hex in clean_serial before the model's own length check runs.
    serial = forms.CharField(max_length=200, label=_("Serial number"))

    class Meta:
        model = RevokedCertificate
        fields = ("serial", "issuer", "reason")

    def clean_serial(self) -> str:
        """Accept the ways serials get copied (0x prefix, colons, upper case); store bare hex."""
        raw: str = self.cleaned_data["serial"].strip().lower().replace(":", "").removeprefix("0x")
        try:
            number = int(raw, 16)
        except ValueError:
            raise forms.ValidationError(_("A serial number is hexadecimal, e.g. 4f:a2:09."),
                                        code="invalid_serial") from None
        return format(number, "x")


@admin.register(RevokedCertificate)
class RevokedCertificateAdmin(TrustChangingAdmin):
    list_display = ("serial", "issuer", "reason", "revoked_at")
    search_fields = ("serial", "issuer", "reason")

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False,
                 **kwargs: Any) -> Any:
        if obj is None:
            kwargs["form"] = RevocationAddForm
        return super().get_form(request, obj, change, **kwargs)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return () if obj is None else ("serial", "issuer", "revoked_at")

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        revoked = registry_services.revoke_certificate(
            serial=form.cleaned_data["serial"], reason=form.cleaned_data["reason"],
            issuer=form.cleaned_data["issuer"].strip(), actor=admin_actor(request))
        adopt(obj, revoked)


# --------------------------------------------------------------------------- tokens and audit


@admin.register(ApiToken)
class ApiTokenAdmin(AuditedAdmin):
    """Tokens are issued by the registry service; the raw value is shown once, never stored."""

    list_display = ("organisation", "name", "prefix", "user", "created_at", "is_active")
    list_filter = ("is_active",)
    search_fields = ("organisation__code", "name", "prefix")
    list_select_related = ("organisation", "user")
    autocomplete_fields = ("organisation",)

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return ("organisation", "name")
        return ("organisation", "name", "prefix", "user", "created_at", "is_active")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return () if obj is None else ("organisation", "prefix", "user", "created_at")

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        token, raw = registry_services.issue_api_token(
            organisation=form.cleaned_data["organisation"], name=form.cleaned_data["name"],
            actor=admin_actor(request))
        adopt(obj, token)
        messages.warning(request, gettext(
            "Copy this API token now; it is not stored and will not be shown again: %(token)s")
            % {"token": raw})


def pretty_json(value: Any) -> SafeString:
    """JSON (or a JSON string) as an indented, escaped block for read-only admin fields."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return format_html("<pre>{}</pre>", value)
    text = json.dumps(value, indent=2, ensure_ascii=False, sort_keys=True)
    return format_html("<pre>{}</pre>", text)


class ReadOnlyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """View permission only: the change form renders read-only and writes answer 403."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(AuditRecord)
class AuditRecordAdmin(ReadOnlyAdmin):
    """The audit trail itself is read-only: nobody edits or deletes what was recorded."""

    list_display = ("at", "actor", "action", "object_type", "object_repr")
    list_filter = ("action", "object_type")
    search_fields = ("object_repr", "object_id", "actor__username")
    list_select_related = ("actor",)
    fields = ("at", "actor", "action", "object_type", "object_id", "object_repr", "changes_pretty")
    readonly_fields = fields

    @admin.display(description=_("Changes"))
    def changes_pretty(self, obj: AuditRecord) -> SafeString:
        return pretty_json(obj.changes)



# --------------------------------------------------------------------------- people and groups


class AuditedUserAdmin(AuditedAdmin, UserAdmin):  # type: ignore[type-arg]
    """Django's user admin, audited: who made whom staff or superuser, and when a password changed."""

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        before = _memberships_of(form.instance)
        super().save_related(request, form, formsets, change)
        after = _memberships_of(form.instance)
        if before != after:
            registry_services.record_audit(actor_user=request.user, action="change", obj=form.instance,
                                           changes={"groups_and_permissions": {"old": before, "new": after}})

    def user_change_password(self, request: HttpRequest, id: str, form_url: str = "") -> Any:
        response = super().user_change_password(request, id, form_url)
        if request.method == "POST" and response.status_code == 302:  # the new password was saved
            user = self.get_object(request, id)
            assert user is not None
            registry_services.record_audit(actor_user=request.user, action="change", obj=user,
                                           changes={"password": {"old": "…", "new": _digest(user.password)}})
        return response


class AuditedGroupAdmin(AuditedAdmin, GroupAdmin):
    """Django's group admin, audited."""

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        before = sorted(form.instance.permissions.values_list("codename", flat=True)) if change else []
        super().save_related(request, form, formsets, change)
        after = sorted(form.instance.permissions.values_list("codename", flat=True))
        if before != after:
            registry_services.record_audit(actor_user=request.user, action="change", obj=form.instance,
                                           changes={"permissions": {"old": before, "new": after}})


def _memberships_of(user: Any) -> dict[str, list[str]]:
    if user.pk is None:
        return {"groups": [], "permissions": []}
    return {"groups": sorted(user.groups.values_list("name", flat=True)),
            "permissions": sorted(user.user_permissions.values_list("codename", flat=True))}


for _model, _admin in ((User, AuditedUserAdmin), (Group, AuditedGroupAdmin)):
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)
    admin.site.register(_model, _admin)
