"""The release notice (``release_notice.notification``): after customs released a case, the
customs office tells the warehouse holding the bill's goods (and the declarant) how many
packages may leave. Sent after the release commits, in its own transaction; a notice the
exchange refuses is kept with its reason and sent again by ``send_pending_release_notices``.

The catalogue's release notice is certificate-based: the office signs with its key when one is
installed (``<pki dir>/orgs/<office code>.key`` and ``.pem``, as the demo writes them).
"""

from __future__ import annotations

import uuid
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from singlewindow.cargo.models import Allocation
from singlewindow.datamodel.codecs import codec_named
from singlewindow.datamodel.datasets.cargo import TransportContractDocument
from singlewindow.datamodel.datasets.common import Party
from singlewindow.datamodel.datasets.release import ReleaseNotice
from singlewindow.exchange import jws
from singlewindow.exchange.errors import ExchangeError
from singlewindow.exchange.identity import pki_dir
from singlewindow.exchange.intake import Envelope, submit_message
from singlewindow.exchange.services import record_state_change
from singlewindow.registry import pki
from singlewindow.registry.actors import Actor
from singlewindow.registry.models import Organisation

MESSAGE_TYPE = "release_notice.notification"


def notice_for(allocation: Allocation) -> ReleaseNotice:
    bill = allocation.bill
    assert bill is not None and allocation.released_at is not None
    warehouse = bill.warehouse
    return ReleaseNotice(
        functional_reference_id=f"REL-{allocation.pk}", issue_date_time=timezone.now(),
        declaration_id=allocation.declaration, declaration_office_id=allocation.office.office_code or None,
        ucr=allocation.ucr or None,
        transport_contract_document=TransportContractDocument(id=bill.number, type_code=bill.type_code or None),
        warehouse=Party(id=warehouse.business_id, name=warehouse.name_en[:70]) if warehouse is not None else None,
        declarant=Party(id=allocation.declarant.business_id, name=allocation.declarant.name_en[:70])
        if allocation.declarant.business_id else None,
        released_package_quantity=allocation.packages, remaining_package_quantity=max(bill.packages - bill.released, 0),
        release_date_time=allocation.released_at)


def office_signature(office: Organisation, payload: bytes, client_reference: str) -> str:
    """The office's detached signature when its key is installed, else no signature."""
    folder = pki_dir() / "orgs"
    key_file, chain_file = folder / f"{office.code}.key", folder / f"{office.code}.pem"
    if not key_file.exists() or not chain_file.exists():
        return ""
    key = pki.load_private_key_pem(Path(key_file).read_bytes())
    chain = pki.load_certificates_pem(Path(chain_file).read_bytes())
    return jws.sign_detached(payload, key, chain[:1], extra_header={"swt": MESSAGE_TYPE, "swr": client_reference})


@transaction.atomic
def send_release_notice(allocation_id: int) -> uuid.UUID | None:
    """Send the notice of one release once; its message id, or None when refused (the reason is kept)."""
    allocation = (Allocation.objects.select_for_update(of=("self",))
                  .select_related("bill__warehouse", "bill__manifest", "office", "declarant")
                  .filter(pk=allocation_id).first())
    if allocation is None or allocation.state != Allocation.State.RELEASED or allocation.bill is None:
        return None
    if allocation.notice_message_id is not None:
        return allocation.notice_message_id
    office = allocation.office
    codec = codec_named("json")
    assert codec is not None
    payload = codec.encode(notice_for(allocation), "release_notice")
    reference = f"rel-{allocation.pk}"
    actor = Actor(organisation=office, membership_role="engine")
    try:
        result = submit_message(envelope=Envelope(
            message_type=MESSAGE_TYPE, client_reference=reference, content_type="application/json", payload=payload,
            signature=office_signature(office, payload, reference)), actor=actor)
    except ExchangeError as error:
        allocation.notice_error = f"{error.code}: {error.detail}"[:500]
        allocation.save(update_fields=["notice_error"])
        return None
    allocation.notice_message_id, allocation.notice_error = result.message.id, ""
    allocation.save(update_fields=["notice_message_id", "notice_error"])
    bill = allocation.bill
    record_state_change(
        organisation=office, kind="cargo.release_notified", ucr=allocation.ucr or None, message_id=result.message.id,
        fields={"bill": bill.number, "declaration": allocation.declaration, "packages": allocation.packages,
                "warehouse": bill.warehouse.code if bill.warehouse else None},
        title_en=f"{office.name_en}: release of {allocation.packages} packages of bill {bill.number} notified"
                 + (f" to {bill.warehouse.name_en}" if bill.warehouse else ""),
        title_zh=f"{office.name_zh or office.name_en}：提單 {bill.number} 放行 {allocation.packages} 件已通知"
                 + (f"{bill.warehouse.name_zh or bill.warehouse.name_en}" if bill.warehouse else ""))
    return result.message.id


def send_pending_release_notices(limit: int = 500) -> int:
    """Send every release notice not yet sent (after a refusal, or a lost after-commit step); how many went."""
    pending = list(Allocation.objects.filter(state=Allocation.State.RELEASED, notice_message_id__isnull=True)
                   .order_by("pk").values_list("pk", flat=True)[:limit])
    return sum(1 for pk in pending if send_release_notice(pk) is not None)
