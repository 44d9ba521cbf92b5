"""The customs screens through Django's test client: who sees which case, each officer action (and its
refusal in a wrong state, in both languages, changing nothing), the queue's filters, the declarant's
read-only view and the public time release page.

The declarations are real: signed, sent through the API and taken by the customs engine as far as
it goes, as in test_lifecycle. They are built once for the class (the world's keys and certificates
are the slow part) and every test runs in its own rolled-back transaction.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.contrib.auth.models import User
from django.test import Client, TestCase
from django.utils import timezone, translation

from singlewindow import testing
from singlewindow.codelists import services as codelist_services
from singlewindow.codelists.models import CodeValue, RegulationCode
from singlewindow.customs import engine, forms, services
from singlewindow.customs.models import Case, CaseEvent, CaseState, OriginGroup
from singlewindow.customs.templatetags.customs_tags import duration
from singlewindow.customs.tests.clearance import LAPTOP_DUE, clearance_world, run_engine
from singlewindow.customs.tests.conftest import NATIONAL_MAPPING
from singlewindow.datamodel.codelists import ListName
from singlewindow.exchange.models import EvidenceEntry, TimelineEvent
from singlewindow.registry.actors import SYSTEM, Actor

S = CaseState


@contextmanager
def selecting(channel: str) -> Iterator[None]:
    """The selection step gives ``channel`` (the rules and the model are tested elsewhere)."""
    saved = engine.SELECTOR[0]
    engine.SELECTOR[0] = lambda case, declaration, assessment: (
        channel, 0.42, {"decided_by": "test", "rules_hit": ["TEST-RULE"],
                        "reasons": [{"code": "test", "en": f"Test selects {channel}", "zh": f"測試選取 {channel}"}]})
    try:
        yield
    finally:
        engine.SELECTOR[0] = saved


def build_scene() -> testing.World:
    """The code lists and the clearance world of test_lifecycle, outside pytest fixtures (for setUpTestData)."""
    needed = [name for name, present in (
        (ListName.HS2022, CodeValue.objects.filter(code_list__name=ListName.HS2022).exists()),
        (ListName.REGULATION, RegulationCode.objects.exists())) if not present]
    if needed:
        codelist_services.load_code_lists(actor=SYSTEM, only=needed)
    OriginGroup.objects.get_or_create(code="test-nz", defaults={
        "name_en": "Test preference: New Zealand", "name_zh": "測試：紐西蘭", "countries": ["NZ"]})
    with tempfile.TemporaryDirectory() as directory:
        mapping = Path(directory) / "national.json"
        mapping.write_text(json.dumps(NATIONAL_MAPPING))
        world = clearance_world(Path(directory), mapping)
    return world


def declare(party: testing.Party, reference: str, channel: str, office: str = "TWKEL",
            ucr: str = "6TW30000002-IMP0001") -> Case:
    """A signed declaration through the API, taken by the engine to its selection (and on, for C1)."""
    body = testing.encode(testing.declaration(reference=reference, office=office, ucr=ucr))
    response = Client().post("/api/v1/messages", data=body,
                             **testing.submit_headers(party, body, client_reference=reference.lower()))
    assert response.status_code == 201, response.content
    with selecting(channel):
        run_engine()
    return Case.objects.get(message_id=response.json()["receipt"]["message_id"])


def snapshot(case: Case) -> tuple[Any, ...]:
    """What an action would change: the case's state and amounts, its events and the evidence log."""
    case.refresh_from_db()
    return (case.state, case.amount_due, case.amount_paid, case.due_at, CaseEvent.objects.filter(case=case).count(),
            EvidenceEntry.objects.count())


class WorkbenchTests(TestCase):
    ids: dict[str, int]
    logins: dict[str, str]

    @classmethod
    def setUpTestData(cls) -> None:
        world = build_scene()
        cls.ids = {
            "c2": declare(world["trader_a"], "WB-C2", "C2").pk,
            "c3": declare(world["trader_a"], "WB-C3", "C3").pk,
            "c1": declare(world["trader_a"], "WB-C1", "C1").pk,
            "other_trader": declare(world["trader_b"], "WB-B", "C2", ucr="6TW30000007-WB0001").pk,
            "other_office": declare(world["trader_a"], "WB-KHH", "C2", office="TWKHH").pk,
        }
        # Keys and certificates do not deep-copy; the tests need only logins, kept as plain data.
        cls.logins = {name: party.username for name, party in world.parties.items()}

    def as_(self, name: str) -> Client:
        """A client logged in as the party's user (the login form itself is tested in the portal)."""
        client = Client()
        client.force_login(User.objects.get(username=self.logins[name]))
        return client

    def case(self, name: str) -> Case:
        return Case.objects.select_related("office", "declarant").get(pk=self.ids[name])

    def url(self, name: str, action: str = "") -> str:
        return f"/customs/cases/{self.ids[name]}/" + (f"{action}/" if action else "")

    # ------------------------------------------------------------------ who sees what

    def test_anonymous_visitors_are_sent_to_log_in(self) -> None:
        for url in ("/customs/", self.url("c2"), "/customs/my-cases/"):
            response = Client().get(url)
            assert response.status_code == 302 and response["Location"].startswith("/login/?next=/customs/"), url
        before = snapshot(self.case("c2"))
        assert Client().post(self.url("c2", "reject"), {"reasons_en": "x"}).status_code == 302
        # a logged-in officer's form posted from elsewhere (no CSRF token) is refused too
        forged = Client(enforce_csrf_checks=True)
        forged.force_login(User.objects.get(username=self.logins["customs"]))
        assert forged.post(self.url("c2", "reject"), {"reasons_en": "x"}).status_code == 403
        assert snapshot(self.case("c2")) == before

    def test_each_party_sees_only_its_own_cases(self) -> None:
        kel, khh = self.as_("customs"), self.as_("customs_2")
        queue = kel.get("/customs/").content.decode()
        assert "WB-C2" in queue and "WB-B" in queue and "WB-KHH" not in queue
        assert kel.get(self.url("other_office")).status_code == 404
        assert "WB-KHH" in khh.get("/customs/").content.decode()
        assert khh.get(self.url("other_office")).status_code == 200
        assert khh.get(self.url("c2")).status_code == 404
        # another office's case cannot be acted on either, and the answer is the same as for no case
        before = snapshot(self.case("other_office"))
        assert kel.post(self.url("other_office", "reject"), {"reasons_en": "No."}).status_code == 404
        assert kel.post("/customs/cases/999999/reject/", {"reasons_en": "No."}).status_code == 404
        assert snapshot(self.case("other_office")) == before

        trader_a, trader_b = self.as_("trader_a"), self.as_("trader_b")
        assert trader_a.get("/customs/").status_code == 403  # the workbench is for customs offices
        assert trader_a.get(self.url("c2")).status_code == 200
        assert trader_b.get(self.url("c2")).status_code == 404
        assert self.as_("broker").get(self.url("c2")).status_code == 404
        assert self.as_("agency").get(self.url("c2")).status_code == 404
        mine = trader_a.get("/customs/my-cases/").content.decode()
        assert "WB-C2" in mine and "WB-KHH" in mine and "WB-B" not in mine
        # the declarant cannot act on its own case
        before = snapshot(self.case("c2"))
        assert trader_a.post(self.url("c2", "reject"), {"reasons_en": "Mine."}).status_code == 404
        assert snapshot(self.case("c2")) == before
        # an officer asking for "my declarations" is sent to the workbench
        assert kel.get("/customs/my-cases/")["Location"] == "/customs/"

    def test_the_declarant_sees_no_risk_details_and_no_actions(self) -> None:
        officer = self.as_("customs").get(self.url("c2")).content.decode()
        assert "Test selects C2" in officer or "測試選取 C2" in officer
        assert "TEST-RULE" in officer and 'id="form-request-documents"' in officer
        page = self.as_("trader_a").get(self.url("c2")).content.decode()
        for internal in ("測試選取", "Test selects", "TEST-RULE", "0.42", "<form method=\"post\" action=\"/customs",
                         "user:"):
            assert internal not in page, internal
        assert 'data-field="channel">C2<' in page and "NT$3,704" in page  # channel and amount due are shown
        assert "手提電腦" in page or "84713000" in page  # the assessment breakdown

    # ------------------------------------------------------------------ officer actions

    def test_a_deficiency_notice_lists_every_document_and_the_trader_sees_it(self) -> None:
        deadline = (timezone.localdate() + timedelta(days=5)).isoformat()
        response = self.as_("customs").post(self.url("c2", "request-documents"), {
            "doc-0-type": "380", "doc-0-en": "Commercial invoice", "doc-0-zh": "商業發票",
            "doc-1-type": "861", "doc-1-en": "Certificate of origin", "doc-1-zh": "產地證明書",
            "doc-2-type": "", "doc-2-en": "", "doc-2-zh": "", "deadline": deadline,
        })
        assert response.status_code == 302 and response["Location"] == self.url("c2")
        case = self.case("c2")
        assert case.state == S.DOCUMENTS_REQUESTED and case.due_at is not None
        assert timezone.localtime(case.due_at).date().isoformat() == deadline
        event = CaseEvent.objects.filter(case=case).last()
        assert event is not None and event.actor == "t-customs-kel user:customs"  # the logged-in officer
        assert [d["type_code"] for d in event.data["documents"]] == ["380", "861"]
        assert TimelineEvent.objects.filter(consignment__ucr=case.ucr, kind="customs.documents_requested").exists()
        page = self.as_("trader_a").get(self.url("c2")).content.decode()
        assert 'id="requested-documents"' in page
        assert "商業發票" in page and "產地證明書" in page and deadline in page

    def test_a_bad_deficiency_notice_is_refused_in_both_languages_and_changes_nothing(self) -> None:
        officer = self.as_("customs")
        before = snapshot(self.case("c2"))
        past = (timezone.localdate() - timedelta(days=1)).isoformat()
        for posted, en, zh in (
            ({"doc-0-type": "", "doc-0-en": ""}, "Name at least one document.", "請至少列出一項文件。"),
            ({"doc-0-type": "", "doc-0-en": "Invoice"}, "give the document type code", "請填寫文件種類代碼"),
            ({"doc-0-type": "38<0>", "doc-0-en": "Invoice"}, "give the document type code", "文件種類代碼"),
            ({"doc-0-type": "ZZ9", "doc-0-en": ""}, "describe what is missing", "請說明缺少的文件"),
            ({"doc-0-type": "380", "doc-0-en": "x" * 501}, "longer than 500", "超過 500"),
            ({"doc-0-type": "380", "doc-0-en": "Invoice", "deadline": past}, "must be in the future", "期限必須晚於"),
            ({"doc-0-type": "380", "doc-0-en": "Invoice", "deadline": "31/12/2099"}, "not a date", "不是有效日期"),
            ({"doc-0-type": "380", "doc-0-en": "Invoice", "deadline": "2999-01-01"}, "at most 90 days", "最多為 90 天"),
            ({f"doc-{i}-type": "380" for i in range(25)} | {f"doc-{i}-en": "Invoice" for i in range(25)},
             "at most 20 documents", "最多列出 20 項"),
        ):
            response = officer.post(self.url("c2", "request-documents"), posted)
            body = response.content.decode()
            assert response.status_code == 400, posted
            assert en in body and zh in body, (posted, en)
            assert "Traceback" not in body
        assert snapshot(self.case("c2")) == before
        # what was typed comes back, so the officer corrects it instead of typing it again
        body = officer.post(self.url("c2", "request-documents"), {"doc-0-type": "", "doc-0-en": "Packing list"})
        assert 'value="Packing list"' in body.content.decode()

    def test_accepting_documents_with_an_amount_override(self) -> None:
        officer = self.as_("customs")
        assert officer.post(self.url("c2", "accept-documents"), {"amount_due": "NT$12x"}).status_code == 400
        response = officer.post(self.url("c2", "accept-documents"), {"amount_due": "5,000"})
        assert response.status_code == 302
        case = self.case("c2")
        assert case.state == S.AWAITING_PAYMENT and case.amount_due == Decimal(5000)
        page = officer.get(self.url("c2")).content.decode()
        assert "NT$5,000" in page and 'id="form-record-payment"' in page
        assert 'id="form-accept-documents"' not in page  # no longer offered

    def test_a_c3_case_cannot_skip_inspection(self) -> None:
        before = snapshot(self.case("c3"))
        response = self.as_("customs").post(self.url("c3", "accept-documents"), {})
        body = response.content.decode()
        assert response.status_code == 409
        assert "A C3 case is released after inspection." in body and "C3 案件須查驗後放行。" in body
        assert 'data-code="case.inspection_needed"' in body
        assert snapshot(self.case("c3")) == before

    def test_inspection_findings_then_payment_then_release(self) -> None:
        officer = self.as_("customs")
        assert officer.post(self.url("c2", "record-inspection"), {"findings_en": "Fine."}).status_code == 409
        refused = officer.post(self.url("c3", "record-inspection"), {"findings_en": "   "})
        assert refused.status_code == 409 and "請填寫查驗結果。" in refused.content.decode()
        response = officer.post(self.url("c3", "record-inspection"), {
            "findings_en": "Ten laptops, as declared.", "findings_zh": "實到十台，與申報相符。", "amount_due": ""})
        assert response.status_code == 302
        case = self.case("c3")
        assert case.state == S.AWAITING_PAYMENT and case.amount_due == LAPTOP_DUE
        trader_view = self.as_("trader_a").get(self.url("c3")).content.decode()
        assert "實到十台，與申報相符。" in trader_view  # the inspection notice reaches the declarant
        paid = officer.post(self.url("c3", "record-payment"), {"amount": "3,704", "reference": "BANK-77"})
        assert paid.status_code == 302
        case = self.case("c3")
        assert case.state == S.RELEASED and case.amount_paid == LAPTOP_DUE

    def test_a_discrepancy_keeps_the_case_inspected(self) -> None:
        response = self.as_("customs").post(self.url("c3", "record-inspection"), {
            "findings_en": "Twelve laptops, not ten.", "discrepancy": "on"})
        assert response.status_code == 302
        assert self.case("c3").state == S.INSPECTED

    def test_payment_input_guarantees_and_partial_payments(self) -> None:
        officer = self.as_("customs")
        before = snapshot(self.case("c1"))
        for posted, en, zh, status in (
            ({"amount": "abc", "reference": "B-1"}, "give a whole amount", "請填寫新臺幣整數金額", 400),
            ({"amount": "1e5", "reference": "B-1"}, "give a whole amount", "請填寫新臺幣整數金額", 400),
            ({"amount": "-5", "reference": "B-1"}, "give a whole amount", "請填寫新臺幣整數金額", 400),
            ({"amount": "12.50", "reference": "B-1"}, "give a whole amount", "請填寫新臺幣整數金額", 400),
            ({"amount": "9" * 40, "reference": "B-1"}, "give a whole amount", "請填寫新臺幣整數金額", 400),
            ({"amount": "0", "reference": "B-1"}, "Give the amount", "請填寫繳納或擔保金額", 400),
            ({"amount": "100", "reference": " "}, "Give the payment or guarantee reference", "參考號碼", 400),
            ({"amount": "100", "reference": "R" * 36}, "longer than 35", "超過 35", 400),
            ({"amount": "10", "reference": "GUA-1", "guarantee": "on"}, "The guarantee does not cover",
             "擔保金額不足", 409),
        ):
            response = officer.post(self.url("c1", "record-payment"), posted)
            body = response.content.decode()
            assert response.status_code == status, posted
            assert en in body and zh in body, posted
        assert snapshot(self.case("c1")) == before
        assert officer.post(self.url("c1", "record-payment"), {"amount": "1000", "reference": "B-2"}).status_code == 302
        case = self.case("c1")
        assert case.state == S.AWAITING_PAYMENT and case.amount_paid == 1000  # a partial payment
        officer.post(self.url("c1", "record-payment"), {"amount": "2704", "reference": "GUA-2", "guarantee": "on"})
        assert self.case("c1").state == S.RELEASED

    def test_an_action_the_state_does_not_allow_is_refused_in_both_languages(self) -> None:
        before = snapshot(self.case("c1"))
        response = self.as_("customs").post(self.url("c1", "request-documents"),
                                            {"doc-0-type": "380", "doc-0-en": "Invoice"})
        body = response.content.decode()
        assert response.status_code == 409
        assert "Not possible while the case is awaiting payment." in body
        assert "案件「待繳納稅費」時不能執行此動作。" in body
        assert snapshot(self.case("c1")) == before
        assert self.as_("customs").post(self.url("c1", "no-such-action"), {}).status_code == 404

    def test_rejection_with_reasons_and_no_second_rejection(self) -> None:
        officer = self.as_("customs")
        assert officer.post(self.url("c2", "reject"), {"reasons_en": "", "reasons_zh": ""}).status_code == 400
        too_many_zh = officer.post(self.url("c2", "reject"), {"reasons_en": "One", "reasons_zh": "一\n二"})
        assert too_many_zh.status_code == 400
        response = officer.post(self.url("c2", "reject"), {
            "reasons_en": "Invoice missing\nValue too low", "reasons_zh": "缺發票\n價格偏低"})
        assert response.status_code == 302
        case = self.case("c2")
        assert case.state == S.REJECTED
        event = CaseEvent.objects.filter(case=case).last()
        assert event is not None and event.data["reasons"] == [{"en": "Invoice missing", "zh": "缺發票"},
                                                               {"en": "Value too low", "zh": "價格偏低"}]
        before = snapshot(case)
        again = officer.post(self.url("c2", "reject"), {"reasons_en": "Again"})
        body = again.content.decode()
        assert again.status_code == 409 and "cannot become rejected" in body and "不能改為「已退單」" in body
        assert snapshot(self.case("c2")) == before
        assert "缺發票" in self.as_("trader_a").get(self.url("c2")).content.decode()

    def test_documents_received_then_accepted_in_the_c2_queue(self) -> None:
        officer = Actor(organisation=self.case("c2").office, membership_role="officer")
        services.request_documents(self.case("c2"), actor=officer,
                                   documents=[services.RequestedDocument("380", "Invoice", "發票")])
        queue = self.as_("customs").get("/customs/?tab=c2").content.decode()
        assert "WB-C2" not in queue  # waiting for the declarant: not the officer's turn
        services.receive_documents(self.case("c2"), actor=SYSTEM, documents=[{"id": "INV-1", "typeCode": "380"}])
        assert "WB-C2" in self.as_("customs").get("/customs/?tab=c2").content.decode()
        page = self.as_("customs").get(self.url("c2")).content.decode()
        assert "<code>380</code>" in page and "INV-1" in page  # what the declarant sent, in the history
        assert self.as_("customs").post(self.url("c2", "accept-documents"), {}).status_code == 302
        assert self.case("c2").state == S.AWAITING_PAYMENT

    # ------------------------------------------------------------------ the queue

    def test_queue_tabs_and_filters(self) -> None:
        officer = self.as_("customs")

        def listed(query: str) -> set[str]:
            body = officer.get(f"/customs/?{query}").content.decode()
            return {ref for ref in ("WB-C2", "WB-C3", "WB-C1", "WB-B") if f"<span>{ref}</span>" in body}

        assert listed("") == {"WB-C2", "WB-C3", "WB-C1", "WB-B"}
        assert listed("tab=c2") == {"WB-C2", "WB-B"}
        assert listed("tab=c3") == {"WB-C3"}
        assert listed("tab=payment") == {"WB-C1"}
        assert listed("tab=overdue") == set()
        assert listed("channel=C3") == {"WB-C3"}
        assert listed("tab=c2&channel=C3") == set()
        assert listed("state=awaiting_payment") == {"WB-C1"}
        assert listed("tab=c3&state=awaiting_payment") == set()
        assert listed("age=4h") == set()
        assert listed("tab=nonsense&state=<script>&channel=C9&age=1y") == {"WB-C2", "WB-C3", "WB-C1", "WB-B"}
        # an old case past its due time: listed as overdue, first, highlighted
        Case.objects.filter(pk=self.ids["c3"]).update(received_at=timezone.now() - timedelta(days=2),
                                                     due_at=timezone.now() - timedelta(hours=1))
        assert listed("tab=overdue") == {"WB-C3"}
        assert listed("age=1d") == {"WB-C3"} and listed("age=3d") == set()
        body = officer.get("/customs/").content.decode()
        first_row = body.index("<tr data-case=")
        assert body.index(f'<tr data-case="{self.ids["c3"]}" class="overdue"') == first_row

    def test_the_filters_answer_htmx_with_the_panel_only(self) -> None:
        response = self.as_("customs").get("/customs/?tab=c3", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="queue")
        body = response.content.decode()
        assert body.startswith('<section id="queue"') and "<html" not in body and "WB-C3" in body
        assert "HX-Request" in response["Vary"]
        restore = self.as_("customs").get("/customs/?tab=c3", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="queue",
                                          HTTP_HX_HISTORY_RESTORE_REQUEST="true")
        assert "<html" in restore.content.decode()

    def test_pages_in_chinese_by_default_and_in_english_on_request(self) -> None:
        officer = self.as_("customs")
        chinese = officer.get("/customs/").content.decode()
        assert "報關審核工作台" in chinese and "已分類通關" in chinese
        officer.post("/i18n/setlang/", {"language": "en", "next": "/customs/"})
        english = officer.get(self.url("c1")).content.decode()
        assert "Customs workbench" in english and "Awaiting payment" in english and "Import duty" in english

    def test_navigation_shows_each_role_its_screens(self) -> None:
        assert 'href="/customs/"' in self.as_("customs").get("/").content.decode()
        trader_home = self.as_("trader_a").get("/").content.decode()
        assert 'href="/customs/my-cases/"' in trader_home and 'href="/customs/"' not in trader_home
        assert 'href="/customs/my-cases/"' not in self.as_("bank").get("/").content.decode()
        assert 'href="/customs/time-release/"' in Client().get("/").content.decode()

    # ------------------------------------------------------------------ time release study

    def test_time_release_page_is_public_and_answers_bad_periods(self) -> None:
        self.as_("customs").post(self.url("c1", "record-payment"), {"amount": "3704", "reference": "B-9"})
        page = Client().get("/customs/time-release/")
        body = page.content.decode()
        assert page.status_code == 200
        assert 'data-interval="declaration_to_release"' in body and 'data-office="TWKEL" data-channel="C1"' in body
        assert "WB-C1" not in body and "trader_a" not in body  # no declaration or trader named
        today = timezone.localdate()
        for query, en, zh in (
            (f"since={today}&until={today - timedelta(days=1)}", "ends before it starts", "期間結束日早於開始日"),
            ("since=2020-01-01&until=2024-01-01", "at most 366 days", "最多 366 天"),
            ("since=yesterday", "not a date", "不是有效日期"),
            ("since=" + "9" * 5000, "not a date", "不是有效日期"),
            ("office=<b>", "office code", "關別代碼"),
            ("channel=C7", "C1, C2 or C3", "C1、C2 或 C3"),
        ):
            response = Client().get(f"/customs/time-release/?{query}")
            text = response.content.decode()
            assert response.status_code == 400 and en in text and zh in text, query
        other = Client().get("/customs/time-release/?office=TWKHH").content.decode()
        assert 'data-interval="declaration_to_release"' not in other


def test_durations_read_like_a_person_would_say_them() -> None:
    with translation.override("en"):
        assert duration(timedelta(hours=1, minutes=5, seconds=40)) == "1 h 05 min"
        assert duration(timedelta(seconds=42)) == "42 s"
        assert duration(timedelta(days=2, hours=3)) == "2 d 03 h"
    with translation.override("zh-hant"):
        assert duration(timedelta(hours=1, minutes=5)) == "1 小時 05 分"


def test_amounts_are_whole_new_taiwan_dollars() -> None:
    label = ("Amount", "金額")
    assert forms.parse_amount("3,704", field="a", label=label) == Decimal(3704)
    assert forms.parse_amount("NT$ 12", field="a", label=label) == Decimal(12)
    assert forms.parse_amount("  ", field="a", label=label) is None
    for bad in ("1e3", "NaN", "Infinity", "-1", "1.5", "0x10", "1_000", "9" * 16):
        try:
            forms.parse_amount(bad, field="a", label=label)
        except forms.InputError as error:
            assert "請填寫新臺幣整數金額" in error.zh
        else:
            raise AssertionError(f"{bad!r} was accepted")
