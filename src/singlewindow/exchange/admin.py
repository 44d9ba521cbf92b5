"""Back office for the exchange: look, don't touch.

Messages, deliveries and timelines are shown read-only because they are what the evidence
log attests to; evidence entries and checkpoints grant no write permission at all, not even
to superusers, since the log is append-only. The only writes offered go through services:
redelivering a delivery and configuring a webhook.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.safestring import SafeString
from django.utils.translation import get_language, ngettext
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


@admin.register(Consignment)
class ConsignmentAdmin(ReadOnlyAdmin):
    list_display = ("ucr", "created_at")
    search_fields = ("ucr",)
    inlines = (ConsignmentPartyInline,)


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
