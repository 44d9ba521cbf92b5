"""Back office for the exchange: look, don't touch.

Messages, deliveries and timelines are shown read-only because they are what the evidence
log attests to; evidence entries and checkpoints grant no write permission at all, not even
to superusers, since the log is append-only. The only writes offered go through services:
redelivering a delivery, configuring a webhook, and the service desk's admission of a party to a
consignment.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.safestring import SafeString
from django.utils.translation import get_language, ngettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from singlewindow.exchange import receipts, services
from singlewindow.exchange.errors import ExchangeError
from singlewindow.exchange.models import (
    Checkpoint,
    Consignment,
    ConsignmentParty,
    Delivery,
    EvidenceEntry,
    Message,
    TimelineEvent,
    WebhookEndpoint,
)
from singlewindow.registry.actors import Actor
from singlewindow.registry.admin import ReadOnlyAdmin, pretty_json
from singlewindow.registry.models import Organisation


class ReadOnlyInline(admin.TabularInline):  # type: ignore[type-arg]
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class DeliveryInline(ReadOnlyInline):
    model = Delivery
    fields = ("recipient", "seq", "state", "delivered_at", "acknowledged_at", "push_state",
              "push_attempts", "last_error")
    show_change_link = True


@admin.register(Message)
class MessageAdmin(ReadOnlyAdmin):
    """The payload bytes are never shown or edited here; the API serves them to parties."""

    list_display = ("id", "message_type", "sender", "client_reference", "consignment",
                    "received_at", "evidence_seq")
    list_filter = ("message_type", "format")
    search_fields = ("=id", "client_reference", "sender__code", "consignment__ucr",
                     "payload_sha256")
    list_select_related = ("sender", "consignment")
    fields = ("id", "message_type", "sender", "sent_by", "client_reference", "consignment",
              "format", "content_type", "payload_size", "payload_sha256", "signer_fingerprint",
              "signature", "received_at", "evidence_seq", "receipt_pretty")
    readonly_fields = fields
    inlines = (DeliveryInline,)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Message]:
        return super().get_queryset(request).defer("payload")

    @admin.display(description=_("Payload size (bytes)"))
    def payload_size(self, obj: Message) -> int:
        return len(bytes(obj.payload))

    @admin.display(description=_("Receipt"))
    def receipt_pretty(self, obj: Message) -> SafeString:
        return pretty_json(receipts.receipt_for(obj) if obj.evidence_seq is not None else None)


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdmin):
    list_display = ("id", "message", "recipient", "state", "push_state", "push_attempts",
                    "delivered_at", "acknowledged_at", "next_attempt_at")
    list_filter = ("state", "push_state")
    search_fields = ("recipient__code", "message__client_reference", "=message__id")
    list_select_related = ("message", "recipient")
    actions = ("redeliver_selected",)

    def has_redeliver_permission(self, request: HttpRequest) -> bool:
        """Redelivery is a write on deliveries, so it needs the model's change permission."""
        return bool(request.user.has_perm("exchange.change_delivery"))

    @admin.action(description=_("Redeliver: push the selected deliveries again"),
                  permissions=["redeliver"])
    def redeliver_selected(self, request: HttpRequest, queryset: QuerySet[Delivery]) -> None:
        """Each delivery separately: one refusal (e.g. no webhook) must not stop the others."""
        actor = Actor(organisation=None, user=request.user)  # type: ignore[arg-type]
        chinese = (get_language() or "").startswith("zh")
        count = 0
        for delivery in queryset.select_related("recipient"):
            try:
                services.redeliver(delivery=delivery, actor=actor)
            except ExchangeError as error:
                reasons = "; ".join(i.zh if chinese else i.en for i in error.issues) or str(error)
                self.message_user(request, f"#{delivery.pk} ({delivery.recipient.code}): {reasons}",
                                  level=messages.WARNING)
                continue
            count += 1
        if count:
            self.message_user(request, ngettext(
                "%(count)d delivery queued for redelivery.",
                "%(count)d deliveries queued for redelivery.", count) % {"count": count})


@admin.register(EvidenceEntry)
class EvidenceEntryAdmin(ReadOnlyAdmin):
    list_display = ("seq", "kind", "recorded_at", "message_id", "leaf_hash")
    list_filter = ("kind",)
    search_fields = ("=seq", "=message_id", "leaf_hash", "chain_hash")
    fields = ("seq", "kind", "recorded_at", "message_id", "leaf_hash", "chain_hash", "body_pretty")
    readonly_fields = fields

    @admin.display(description=_("Body"))
    def body_pretty(self, obj: EvidenceEntry) -> SafeString:
        return pretty_json(obj.body)


@admin.register(Checkpoint)
class CheckpointAdmin(ReadOnlyAdmin):
    list_display = ("tree_size", "root_hash", "created_at")
    fields = ("tree_size", "root_hash", "created_at", "body", "signature")
    readonly_fields = fields


@admin.register(TimelineEvent)
class TimelineEventAdmin(ReadOnlyAdmin):
    list_display = ("consignment", "at", "kind", "organisation", "title_en", "evidence_seq")
    list_filter = ("kind",)
    search_fields = ("consignment__ucr", "title_en", "title_zh")
    list_select_related = ("consignment", "organisation")


class ConsignmentPartyInline(ReadOnlyInline):
    model = ConsignmentParty
    fields = ("organisation",)
    verbose_name_plural = _("Named parties (senders and recipients are on the messages)")


class AdmitPartyForm(forms.Form):
    organisation = forms.ModelChoiceField(
        queryset=Organisation.objects.filter(is_active=True).order_by("code"),
        label=pgettext_lazy("admission", "Organisation"))
    reason = forms.CharField(
        label=pgettext_lazy("admission", "Reason"), widget=forms.Textarea(attrs={"rows": 3}),
        min_length=services.ADMISSION_REASON_LENGTH[0], max_length=services.ADMISSION_REASON_LENGTH[1],
        help_text=_("Shown on the consignment's timeline to every party, and kept in the evidence log."))


@admin.register(Consignment)
class ConsignmentAdmin(ReadOnlyAdmin):
    """Read-only, but for the service desk's one write: admitting a party (``services.admit_party``)."""

    list_display = ("ucr", "created_at")
    search_fields = ("ucr",)
    inlines = (ConsignmentPartyInline,)
    change_form_template = "admin/exchange/consignment/change_form.html"

    def get_urls(self) -> list[URLPattern]:
        admit = path("<int:consignment_id>/admit/", self.admin_site.admin_view(self.admit_party_view),
                     name="exchange_consignment_admit")
        return [admit, *super().get_urls()]

    def admit_party_view(self, request: HttpRequest, consignment_id: int) -> HttpResponse:
        """A form: the organisation to admit and why; the admission itself is the service's."""
        if not (request.user.has_perm("exchange.admit_party") and self.has_view_permission(request)):
            raise PermissionDenied
        consignment = get_object_or_404(Consignment, pk=consignment_id)
        form = AdmitPartyForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            organisation = form.cleaned_data["organisation"]
            try:
                services.admit_party(consignment=consignment, organisation=organisation,
                                     reason=form.cleaned_data["reason"], user=request.user)
            except ValidationError as error:
                form.add_error(None, error)
            else:
                self.message_user(request, _("%(organisation)s is now a party to %(ucr)s.") % {
                    "organisation": organisation.code, "ucr": consignment.ucr})
                return HttpResponseRedirect(reverse("admin:exchange_consignment_change", args=[consignment.pk]))
        context = {**self.admin_site.each_context(request), "opts": self.model._meta, "original": consignment,
                   "form": form, "title": _("Admit a party to %(ucr)s") % {"ucr": consignment.ucr}}
        return TemplateResponse(request, "admin/exchange/consignment/admit_party.html", context)


class WebhookEndpointForm(forms.ModelForm):  # type: ignore[type-arg]
    url = forms.URLField(max_length=500, assume_scheme="https", label=_("URL"))

    class Meta:
        model = WebhookEndpoint
        fields = ("organisation", "url", "is_active")

    def clean_url(self) -> str:
        url: str = self.cleaned_data["url"]
        if not url.startswith(("https://", "http://")):
            raise forms.ValidationError(_("A webhook URL must start with https:// or http://."),
                                        code="scheme")
        return url


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Saved through ``set_webhook`` so a back-office change is evidenced like an API change."""

    form = WebhookEndpointForm
    list_display = ("organisation", "url", "is_active", "created_at")
    list_filter = ("is_active",)
    search_fields = ("organisation__code", "url")
    autocomplete_fields = ("organisation",)
    list_select_related = ("organisation",)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return ("created_at",) if obj is None else ("organisation", "created_at")

    def delete_model(self, request: HttpRequest, obj: WebhookEndpoint) -> None:
        services.remove_webhook(endpoint=obj, actor=Actor(organisation=obj.organisation, user=request.user))  # type: ignore[arg-type]

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        for endpoint in queryset.select_related("organisation"):
            self.delete_model(request, endpoint)

    def save_model(self, request: HttpRequest, obj: WebhookEndpoint, form: Any,
                   change: bool) -> None:
        actor = Actor(organisation=obj.organisation, user=request.user)  # type: ignore[arg-type]
        saved = services.set_webhook(actor=actor, url=obj.url, is_active=obj.is_active)
        for field in saved._meta.concrete_fields:
            setattr(obj, field.attname, getattr(saved, field.attname))
        obj._state.adding = False
