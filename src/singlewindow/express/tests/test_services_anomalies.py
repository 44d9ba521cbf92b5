"""Anomalies: posted by the terminal, seen and corrected by the parcel's broker, reviewed, closed;
the overdue view; who may see and do what."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from singlewindow.exchange.models import EvidenceEntry
from singlewindow.express import selectors, services
from singlewindow.express.awb import make_awb
from singlewindow.express.errors import ExpressError
from singlewindow.express.models import Anomaly, Correction
from singlewindow.express.tests.conftest import MASTER, Express

HOUSE = make_awb("297", 7654321)


def _post(ex: Express, **options: object) -> Anomaly:
    request: dict[str, object] = {"master_awb": MASTER, "house_awb": HOUSE, "category": "label_unreadable",
                                  "location": "Bay 3", **options}
    return services.record_anomaly(**request, actor=ex.actor(ex.terminal))  # type: ignore[arg-type]


def test_the_anomaly_reaches_the_broker_that_booked_the_bag(ex: Express) -> None:
    ex.book("B1", houses=(HOUSE, make_awb("297", 1)))
    ex.book("B2", houses=(make_awb("297", 2),), who=ex.broker_2)
    anomaly = _post(ex)
    assert anomaly.broker == ex.broker.organisation and anomaly.bag_number == "B1"
    assert anomaly.status == "open" and anomaly.due_at == anomaly.detected_at + timedelta(days=2)
    assert [a.pk for a in selectors.anomaly_list(ex.actor(ex.broker))] == [anomaly.pk]
    assert list(selectors.anomaly_list(ex.actor(ex.broker_2))) == []
    assert list(selectors.anomaly_list(ex.actor(ex.terminal_2))) == []
    assert [a.pk for a in selectors.anomaly_list(ex.actor(ex.terminal))] == [anomaly.pk]


def test_without_a_booking_the_terminal_names_the_broker(ex: Express) -> None:
    with pytest.raises(ExpressError) as caught:
        _post(ex)
    assert caught.value.code == "express.broker_unknown"
    with pytest.raises(ExpressError) as caught:
        _post(ex, broker_code=ex.terminal_2.code)
    assert caught.value.code == "express.unknown_broker"
    anomaly = _post(ex, broker_code=ex.broker_2.code, category="no_manifest")
    assert anomaly.broker == ex.broker_2.organisation and anomaly.appointment is None
    assert not Anomaly.objects.exclude(pk=anomaly.pk).exists()


@pytest.mark.parametrize(("change", "code"), [
    ({"category": "lost_in_space"}, "express.category"),
    ({"house_awb": "297-76543210"}, "express.awb_check_digit"),
    ({"master_awb": "29-7"}, "express.awb_format"),
    ({"pieces": 0}, "express.pieces"),
    ({"notes": "n" * 1001}, "express.too_long"),
    ({"detected_at": timezone.now() + timedelta(hours=1)}, "express.detected_in_future"),
])
def test_bad_anomalies_are_refused_and_change_nothing(ex: Express, change: dict[str, object], code: str) -> None:
    ex.book("B1", houses=(HOUSE,))
    with pytest.raises(ExpressError) as caught:
        _post(ex, **change)
    assert caught.value.code == code
    assert not Anomaly.objects.exists() and not EvidenceEntry.objects.filter(kind__startswith="express.anomaly")


def test_only_a_terminal_posts_anomalies(ex: Express) -> None:
    ex.book("B1", houses=(HOUSE,))
    with pytest.raises(ExpressError) as caught:
        services.record_anomaly(master_awb=MASTER, category="other", actor=ex.actor(ex.broker))
    assert caught.value.status == 403 and not Anomaly.objects.exists()


def test_correction_returned_then_accepted_closes_the_anomaly(ex: Express) -> None:
    ex.book("B1", houses=(HOUSE,))
    anomaly = _post(ex)
    broker, terminal = ex.actor(ex.broker), ex.actor(ex.terminal)
    with pytest.raises(ExpressError) as caught:
        services.review_correction(anomaly_id=anomaly.pk, decision="accept", actor=terminal)
    assert caught.value.code == "express.no_correction"
    with pytest.raises(ExpressError) as caught:
        services.file_correction(anomaly_id=anomaly.pk, action="relabelled", actor=ex.actor(ex.broker_2))
    assert caught.value.code == "express.not_found"
    services.file_correction(anomaly_id=anomaly.pk, action="Relabelled the parcel", documents=["INV-1"],
                             version=1, actor=broker)
    with pytest.raises(ExpressError) as caught:
        services.review_correction(anomaly_id=anomaly.pk, decision="return", actor=terminal)
    assert caught.value.code == "express.reason_required"
    returned = services.review_correction(anomaly_id=anomaly.pk, decision="return", note="Label still unreadable",
                                          version=2, actor=terminal)
    assert returned.status == "returned" and returned.returned_at is not None
    services.file_correction(anomaly_id=anomaly.pk, action="New label printed by the shipper",
                             documents=["LBL-2", "INV-1"], actor=broker)
    closed = services.review_correction(anomaly_id=anomaly.pk, decision="accept", actor=terminal)
    assert closed.status == "closed" and closed.closed_at is not None and closed.version == 5
    decisions = list(Correction.objects.filter(anomaly=anomaly).values_list("decision", flat=True))
    assert decisions == ["returned", "accepted"]
    with pytest.raises(ExpressError) as caught:
        services.file_correction(anomaly_id=anomaly.pk, action="again", actor=broker)
    assert caught.value.code == "express.not_awaiting_correction"
    kinds = list(EvidenceEntry.objects.filter(kind__startswith="express.anomaly").values_list("kind", flat=True))
    assert kinds == ["express.anomaly.recorded", "express.anomaly.correction_filed", "express.anomaly.returned",
                     "express.anomaly.correction_filed", "express.anomaly.closed"]


def test_stale_versions_and_bad_corrections_change_nothing(ex: Express) -> None:
    ex.book("B1", houses=(HOUSE,))
    anomaly = _post(ex)
    broker = ex.actor(ex.broker)
    for options, code in (({"version": 7}, "express.version_conflict"), ({"action": "  "}, "express.action_required"),
                          ({"documents": ["D"] * 21}, "express.too_many_documents"),
                          ({"documents": [""]}, "express.empty_document")):
        request: dict[str, object] = {"action": "fixed", **options}
        with pytest.raises(ExpressError) as caught:
            services.file_correction(anomaly_id=anomaly.pk, **request, actor=broker)  # type: ignore[arg-type]
        assert caught.value.code == code
    assert Anomaly.objects.get(pk=anomaly.pk).status == "open" and not Correction.objects.exists()


def test_the_overdue_view_lists_what_waits_for_the_broker_past_due(ex: Express) -> None:
    ex.book("B1", houses=(HOUSE,))
    now = timezone.now()
    old = _post(ex, detected_at=now - timedelta(days=3))
    fresh = _post(ex, detected_at=now - timedelta(hours=1), category="packing_damaged")
    filed = _post(ex, detected_at=now - timedelta(days=4), category="pieces_mismatch")
    services.file_correction(anomaly_id=filed.pk, action="Pieces recounted", actor=ex.actor(ex.broker))
    for who in (ex.broker, ex.terminal):
        assert [a.pk for a in selectors.anomaly_list(ex.actor(who), overdue=True)] == [old.pk]
    assert selectors.is_overdue(old, now) and not selectors.is_overdue(fresh, now)
    assert selectors.age(old, now) == timedelta(days=3)
    assert [a.pk for a in selectors.anomaly_list(ex.actor(ex.terminal), status="correction_filed")] == [filed.pk]
