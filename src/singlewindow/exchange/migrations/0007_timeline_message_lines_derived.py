"""A received message's timeline line is made from the message when the timeline is read, so the
stored copies go. Undone, each message on a consignment gets its stored line back."""

from typing import Any

from django.db import migrations, models

RECEIVED = "message.received"


def drop_stored_message_lines(apps: Any, schema_editor: Any) -> None:
    apps.get_model("exchange", "TimelineEvent").objects.filter(kind=RECEIVED).delete()


def restore_stored_message_lines(apps: Any, schema_editor: Any) -> None:
    from singlewindow.datamodel.datasets import DATA_SET_TITLES

    timeline_event = apps.get_model("exchange", "TimelineEvent")
    data_sets = {service.message_type: service.data_set for service in apps.get_model("registry", "Service")
                 .objects.filter(is_active=True).exclude(data_set="")}
    messages = (apps.get_model("exchange", "Message").objects.filter(consignment__isnull=False)
                .select_related("sender").defer("payload", "signature").order_by("evidence_seq"))
    for message in messages.iterator(chunk_size=1000):
        data_set = data_sets.get(message.message_type) or message.message_type.split(".", 1)[0]
        en, zh = DATA_SET_TITLES.get(data_set, (message.message_type,) * 2)
        sender = message.sender
        timeline_event.objects.create(
            consignment_id=message.consignment_id, at=message.received_at, kind=RECEIVED, message=message,
            organisation=sender, evidence_seq=None,
            title_en=f"{en} ({message.message_type}) received from {sender.name_en}",
            title_zh=f"收到{sender.name_zh or sender.name_en}傳送之{zh}（{message.message_type}）",
        )


class Migration(migrations.Migration):

    dependencies = [
        ("exchange", "0006_message_receipt_derived"),
        ("registry", "0002_service_data_set"),
    ]

    operations = [
        migrations.AlterField(
            model_name="timelineevent",
            name="evidence_seq",
            field=models.BigIntegerField(help_text="The state change's evidence entry.", null=True),
        ),
        migrations.RunPython(drop_stored_message_lines, restore_stored_message_lines),
    ]
