"""Back-office changes to people, groups, matching rules and webhooks leave an audit record (and,
for a webhook, an evidence entry), as every registry change does."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth.models import Group, User
from django.test import Client

from singlewindow import testing
from singlewindow.exchange.models import EvidenceEntry, WebhookEndpoint
from singlewindow.registry.models import AuditRecord


def _user_form(user: User, **changes: object) -> dict[str, object]:
    form: dict[str, object] = {
        "username": user.username, "first_name": "", "last_name": "", "email": user.email,
        "is_active": "on", "date_joined_0": "2026-01-01", "date_joined_1": "00:00:00",
        "initial-date_joined_0": "2026-01-01", "initial-date_joined_1": "00:00:00"}
    form.update(changes)
    return form


def test_making_someone_superuser_is_audited_without_their_password(world: testing.World, admin_client: Client
                                                                  ) -> None:
    target = User.objects.get(username=world["trader_a"].username)
    answer = admin_client.post(f"/admin/auth/user/{target.pk}/change/",
                               _user_form(target, is_staff="on", is_superuser="on"))
    assert answer.status_code == 302, answer.content.decode()[:2000]
    record = AuditRecord.objects.filter(object_type="User", object_id=str(target.pk)).latest("pk")
    assert record.changes["is_superuser"] == {"old": False, "new": True}
    assert "pbkdf2" not in json.dumps(record.changes)


def test_a_password_set_in_the_back_office_is_audited_as_a_digest(world: testing.World, admin_client: Client
                                                                   ) -> None:
    target = User.objects.get(username=world["trader_a"].username)
    answer = admin_client.post(f"/admin/auth/user/{target.pk}/password/",
                               {"password1": "a-New-pass-2026!", "password2": "a-New-pass-2026!"})
    assert answer.status_code == 302
    record = AuditRecord.objects.filter(object_type="User", object_id=str(target.pk)).latest("pk")
    assert record.changes["password"]["new"].startswith("sha256:")


def test_a_group_and_its_permissions_are_audited(db: None, admin_client: Client) -> None:
    answer = admin_client.post("/admin/auth/group/add/", {"name": "auditors"})
    assert answer.status_code == 302
    group = Group.objects.get(name="auditors")
    assert AuditRecord.objects.filter(object_type="Group", object_id=str(group.pk), action="create").exists()


@pytest.mark.parametrize("bulk", [False, True])
def test_removing_a_webhook_in_the_back_office_is_evidenced(world: testing.World, admin_client: Client,
                                                            bulk: bool) -> None:
    endpoint = WebhookEndpoint.objects.create(organisation=world["customs"].organisation,
                                              url="https://hooks.example.com/in")
    if bulk:
        answer = admin_client.post("/admin/exchange/webhookendpoint/", {
            "action": "delete_selected", "_selected_action": [endpoint.pk], "post": "yes"})
    else:
        answer = admin_client.post(f"/admin/exchange/webhookendpoint/{endpoint.pk}/delete/", {"post": "yes"})
    assert answer.status_code == 302 and not WebhookEndpoint.objects.exists()
    entry = EvidenceEntry.objects.latest("seq")
    assert entry.kind == "webhook.removed" and json.loads(entry.body)["url"] == "https://hooks.example.com/in"
