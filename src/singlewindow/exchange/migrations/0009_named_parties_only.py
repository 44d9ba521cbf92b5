"""A consignment's senders and recipients are read from its messages and deliveries, so only the
organisations its messages name keep a party row, and the row no longer says why. Undone, every
remaining row is a named party's and each message gives its sender and recipients their rows back."""

from typing import Any

from django.db import migrations, models

SENDER, RECIPIENT, NAMED = "sender", "recipient", "named"


def drop_sender_and_recipient_rows(apps: Any, schema_editor: Any) -> None:
    apps.get_model("exchange", "ConsignmentParty").objects.exclude(relation=NAMED).delete()


def restore_sender_and_recipient_rows(apps: Any, schema_editor: Any) -> None:
    party = apps.get_model("exchange", "ConsignmentParty")
    sent = apps.get_model("exchange", "Message").objects.filter(consignment__isnull=False)
    delivered = apps.get_model("exchange", "Delivery").objects.filter(message__consignment__isnull=False)
    rows = [(SENDER, pair) for pair in sent.values_list("consignment_id", "sender_id").distinct().iterator()]
    rows += [(RECIPIENT, pair) for pair in
             delivered.values_list("message__consignment_id", "recipient_id").distinct().iterator()]
    party.objects.bulk_create(
        [party(consignment_id=consignment, organisation_id=organisation, relation=relation)
         for relation, (consignment, organisation) in rows],
        batch_size=1000, ignore_conflicts=True)


class Migration(migrations.Migration):

    dependencies = [
        ("exchange", "0008_pending_pushes_index"),
        ("registry", "0002_service_data_set"),
    ]

    operations = [
        migrations.RunPython(drop_sender_and_recipient_rows, restore_sender_and_recipient_rows),
        migrations.RemoveConstraint(model_name="consignmentparty", name="unique_consignment_party"),
        # A default, so that undoing the removal below can give the remaining rows their relation.
        migrations.AlterField(
            model_name="consignmentparty", name="relation",
            field=models.CharField(choices=[(SENDER, "Sender"), (NAMED, "Named party"), (RECIPIENT, "Recipient")],
                                   default=NAMED, max_length=20),
        ),
        migrations.RemoveField(model_name="consignmentparty", name="relation"),
        migrations.AddConstraint(
            model_name="consignmentparty",
            constraint=models.UniqueConstraint(fields=("consignment", "organisation"), name="unique_named_party"),
        ),
    ]
