"""State of the exchange: messages, deliveries, the evidence log, checkpoints, timelines."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from singlewindow.registry.models import Organisation

ZERO_HASH = "0" * 64


class Consignment(models.Model):
    """One consignment, keyed by its UCR; every party sees one timeline for it."""

    ucr = models.CharField(max_length=35)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        # A constraint rather than ``unique=True``: the latter adds a second, pattern-matching
        # index on PostgreSQL that no query uses and every new consignment pays for.
        constraints = [models.UniqueConstraint(fields=["ucr"], name="unique_ucr")]
        permissions = [("admit_party", _("Can admit an organisation to a consignment as a party"))]

    def __str__(self) -> str:
        return self.ucr


class ConsignmentParty(models.Model):
    """An organisation a message on the consignment names (by business ID) without sending or receiving
    it: it may see the consignment too.

    Senders and recipients have no row here: the messages and their deliveries already say who they
    are (``selectors.consignments_visible_to``), so a message on a new consignment writes no party
    row at all unless it names a third organisation.
    """

    # The unique constraint's index leads with the consignment and serves its lookups.
    consignment = models.ForeignKey(Consignment, on_delete=models.CASCADE, related_name="parties",
                                    db_index=False)
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["consignment", "organisation"], name="unique_named_party"),
        ]

    def __str__(self) -> str:
        return f"{self.organisation.code} on {self.consignment.ucr}"


class Message(models.Model):
    """A received message: the exact payload bytes, its signature and its envelope."""

    id = models.UUIDField(primary_key=True, editable=False)
    message_type = models.CharField(max_length=80)
    # unique_client_reference and message_sender_recent lead with the sender and serve its lookups.
    sender = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="sent_messages",
                               db_index=False)
    sent_by = models.CharField(max_length=200)
    client_reference = models.CharField(max_length=64)
    consignment = models.ForeignKey(Consignment, on_delete=models.PROTECT, null=True,
                                    related_name="messages")
    format = models.CharField(max_length=20)
    content_type = models.CharField(max_length=100)
    payload = models.BinaryField()
    payload_sha256 = models.CharField(max_length=64)
    signature = models.TextField(blank=True)
    signer_fingerprint = models.CharField(max_length=64, blank=True)
    received_at = models.DateTimeField()
    evidence_seq = models.BigIntegerField(null=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["sender", "client_reference"], name="unique_client_reference"),
        ]
        indexes = [models.Index(fields=["sender", "-received_at"], name="message_sender_recent")]

    def __str__(self) -> str:
        return f"{self.message_type} {self.id}"


class Delivery(models.Model):
    """One message in one recipient's mailbox, with its delivery and push state."""

    class State(models.TextChoices):
        PENDING = "pending", _("Waiting in mailbox")
        DELIVERED = "delivered", _("Delivered")
        ACKNOWLEDGED = "acknowledged", _("Acknowledged")

    class PushState(models.TextChoices):
        NONE = "none", _("Pull only")
        PENDING = "pending", _("Push pending")
        SUCCEEDED = "succeeded", _("Pushed")
        DEAD = "dead", _("Dead letter")

    # unique_delivery leads with the message, mailbox_cursor with the recipient: no index of their own.
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="deliveries", db_index=False)
    recipient = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="deliveries",
                                  db_index=False)
    seq = models.BigIntegerField(help_text=_("Mailbox cursor: commit-ordered evidence sequence."))
    state = models.CharField(max_length=20, choices=State.choices, default=State.PENDING)
    delivered_at = models.DateTimeField(null=True)
    acknowledged_at = models.DateTimeField(null=True)
    push_state = models.CharField(max_length=20, choices=PushState.choices, default=PushState.NONE)
    push_attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True)
    last_error = models.CharField(max_length=500, blank=True)

    class Meta:
        verbose_name_plural = _("deliveries")
        constraints = [
            models.UniqueConstraint(fields=["message", "recipient"], name="unique_delivery"),
        ]
        indexes = [
            models.Index(fields=["recipient", "seq"], name="mailbox_cursor"),
            # The webhook sweeper's queue: only pushes still to make; most deliveries are never pushed.
            models.Index(fields=["next_attempt_at"], name="push_due", condition=models.Q(push_state="pending")),
            # The engines' queue: only what is not acknowledged yet, so it stays small as history grows.
            models.Index(fields=["recipient", "seq"], name="unacknowledged",
                         condition=models.Q(state__in=["pending", "delivered"])),
        ]


class WebhookEndpoint(models.Model):
    """Where the exchange pushes an organisation's deliveries (signed, retried)."""

    organisation = models.OneToOneField(Organisation, on_delete=models.CASCADE, related_name="webhook")
    url = models.URLField(max_length=500)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.organisation.code} -> {self.url}"


class EvidenceEntry(models.Model):
    """One append-only, hash-chained evidence record.

    ``body`` is the canonical JSON that was hashed; ``leaf_hash`` is its RFC 9162 leaf hash and
    ``chain_hash`` = SHA-256(previous chain_hash || leaf_hash).
    """

    seq = models.BigIntegerField(primary_key=True)
    kind = models.CharField(max_length=60)
    recorded_at = models.DateTimeField()
    message_id = models.UUIDField(null=True, db_index=True)
    body = models.TextField()
    leaf_hash = models.CharField(max_length=64)
    chain_hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["seq"]
        verbose_name_plural = _("evidence entries")


class EvidenceHead(models.Model):
    """The single row every append locks: the last sequence and chain hash."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    seq = models.BigIntegerField(default=0)
    chain_hash = models.CharField(max_length=64, default=ZERO_HASH)


class Checkpoint(models.Model):
    """A signed tree head over the first ``tree_size`` evidence entries."""

    tree_size = models.BigIntegerField(primary_key=True)
    root_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField()
    body = models.TextField()
    signature = models.TextField()

    class Meta:
        ordering = ["tree_size"]


class MerkleNode(models.Model):
    """A perfect subtree of the evidence tree, stored when a checkpoint first covers it.

    Level ``p``, index ``j``: the hash of the ``2**p`` entries from ``j * 2**p + 1``. Proofs read a
    few of these instead of every leaf up to the checkpoint. Derived data: a wrong row only makes
    proofs fail to verify against the signed checkpoint, and ``evidence verify`` recomputes each row.
    """

    pk = models.CompositePrimaryKey("level", "index")
    level = models.PositiveSmallIntegerField()
    index = models.BigIntegerField()
    hash = models.CharField(max_length=64)


class TimelineEvent(models.Model):
    """A state change's line on a consignment's timeline, linked to its evidence.

    A received message's line is not stored: ``selectors.consignment_timeline`` makes it from the
    message, which holds all it says (so intake writes one row less per message).
    """

    consignment = models.ForeignKey(Consignment, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField()
    kind = models.CharField(max_length=60)
    message = models.ForeignKey(Message, on_delete=models.CASCADE, null=True, related_name="+")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, null=True, related_name="+")
    title_en = models.CharField(max_length=300)
    title_zh = models.CharField(max_length=300)
    evidence_seq = models.BigIntegerField(null=True, help_text=_("The state change's evidence entry."))

    class Meta:
        ordering = ["at", "id"]

    @property
    def sequence(self) -> int | None:
        """The evidence number (of the message, for a line that names one but no entry of its own)."""
        if self.evidence_seq is not None:
            return self.evidence_seq
        return self.message.evidence_seq if self.message is not None else None
