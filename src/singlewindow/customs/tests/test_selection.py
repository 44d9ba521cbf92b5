"""Risk selection: each rule kind, the precedence of channels, AEO / MRA relief, sampling, explanations."""

from __future__ import annotations

import random
import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.utils import timezone

from singlewindow.customs.models import MraPartner, SelectionRule, SelectionSettings, TraderProfile
from singlewindow.customs.selection import store
from singlewindow.customs.selection.current import select_many
from singlewindow.customs.selection.facts import DeclarationFacts, ItemFacts, TraderHistory, facts_from_declaration
from singlewindow.customs.selection.rules import Partner, Rule, RuleSet, SelectionConfig, Trader, evaluate
from singlewindow.customs.selection.select import Selection, select_channel, select_channels
from singlewindow.customs.selection.services import load_demo_selection_rules
from singlewindow.datamodel import samples
from singlewindow.datamodel.datasets import ImportDeclaration
from singlewindow.registry.actors import SYSTEM
from singlewindow.registry.models import AuditRecord

DAY = date(2025, 3, 3)
SETTINGS = SelectionConfig(random_c2=0.03, random_c3=0.01, threshold_c2=0.6, threshold_c3=0.85,
                           relief_rate_factor=0.25, relief_threshold_c2=0.8, relief_threshold_c3=0.95,
                           low_grade_rate_factor=3.0, explain_top=2)
NO_SAMPLING = replace(SETTINGS, random_c2=0.0, random_c3=0.0)


class Draw(random.Random):
    """A generator whose every draw is the given value, to put a declaration just under or over a rate."""

    def __init__(self, value: float) -> None:
        super().__init__(0)
        self.value = value

    def random(self) -> float:
        return self.value


@dataclass(frozen=True)
class FakeContribution:
    feature: str
    inputs: str
    contribution: float


@dataclass(frozen=True)
class FakeExplanation:
    contributions: list[FakeContribution]


class FakeScorer:
    """The learned model's interface: a score per record (by HS code) and an explanation."""

    def __init__(self, by_hs: dict[str, float], default: float = 0.05) -> None:
        self.by_hs, self.default = by_hs, default
        self.score_calls = 0
        self.explained: list[dict[str, Any]] = []

    def score(self, records: Sequence[dict[str, Any]]) -> list[float]:
        self.score_calls += 1
        return [self.by_hs.get(record.get("hs6") or "", self.default) for record in records]

    def explain(self, record: dict[str, Any], top: int = 5) -> FakeExplanation:
        self.explained.append(record)
        return FakeExplanation([FakeContribution("origin*hs6:rate", f"origin={record.get('origin')}, "
                                                 f"hs6={record.get('hs6')}", 1.25),
                                FakeContribution("log_value", f"value={record.get('value')}", -0.4),
                                FakeContribution("weekday", "date=2025-03-03", 0.1)][:top])


def item(sequence: int = 1, hs: str = "84713000", origin: str = "CN", value: str = "1200") -> ItemFacts:
    return ItemFacts(sequence=sequence, hs_code=hs, origin=origin, value=Decimal(value), mass=Decimal("25"))


def facts(*items: ItemFacts, importer: str = "30000007", broker: str | None = None,
          parties: Sequence[str] = (), aeo_partners: Sequence[str] = (), history: TraderHistory | None = None,
          on: date = DAY) -> DeclarationFacts:
    goods = items or (item(),)
    records = tuple({"importer": importer, "hs6": g.hs_code and g.hs_code[:6], "origin": g.origin,
                     "value": float(g.value or 0)} for g in goods)
    return DeclarationFacts(reference="REF-1", on=on, declarant=broker or importer, importer=importer, broker=broker,
                            office="TWKEL", parties=frozenset({importer, *parties, *([broker] if broker else [])}),
                            aeo_partners=tuple(aeo_partners), items=goods, trader_history=history, records=records)


def rule(code: str, kind: str, value: str = "", *, channel: str = "", weight: float = 0.0, **more: Any) -> Rule:
    return Rule(code=code, kind=kind, value=value, channel=channel, weight=weight,
                reason_en=f"reason of {code}", reason_zh=f"{code} 的理由", **more)


def select(subject: DeclarationFacts, rules: Sequence[Rule] = (), *, model: Any = None, draw: float = 0.99,
           settings: SelectionConfig = SETTINGS, traders: Sequence[Trader] = (),
           partners: Sequence[Partner] = ()) -> Selection:
    return select_channel(subject, rules=RuleSet.build(rules, traders, partners), model=model, settings=settings,
                          rng=Draw(draw))


# --- each rule kind --------------------------------------------------------------------------------

KIND_CASES = [
    # (rule, declaration, hits?)
    pytest.param(rule("o", "origin", "CN", channel="C2"), facts(item(origin="CN")), True, id="origin-hit"),
    pytest.param(rule("o", "origin", "CN", channel="C2"), facts(item(origin="JP")), False, id="origin-miss"),
    pytest.param(rule("o", "origin", "CN", channel="C2", hs_scope="0703"),
                 facts(item(1, "07032000", "CN"), item(2, "84713000", "JP")), True, id="origin-with-hs-scope-hit"),
    pytest.param(rule("o", "origin", "CN", channel="C2", hs_scope="0703"),
                 facts(item(1, "84713000", "CN"), item(2, "07032000", "JP")), False,
                 id="origin-and-scope-on-different-items"),
    pytest.param(rule("h", "hs", "03", channel="C2"), facts(item(hs="03061710")), True, id="hs-chapter"),
    pytest.param(rule("h", "hs", "0306", channel="C2"), facts(item(hs="03061710")), True, id="hs-heading"),
    pytest.param(rule("h", "hs", "030617", channel="C2"), facts(item(hs="03061710")), True, id="hs-subheading"),
    pytest.param(rule("h", "hs", "0306171000", channel="C2"), facts(item(hs="0306171000")), True, id="hs-ten-digit"),
    pytest.param(rule("h", "hs", "0307", channel="C2"), facts(item(hs="03061710")), False, id="hs-other-heading"),
    pytest.param(rule("b", "broker", "90000006", channel="C2"), facts(broker="90000006"), True, id="broker-hit"),
    pytest.param(rule("b", "broker", "90000006", channel="C2"), facts(importer="90000006"), False,
                 id="broker-rule-ignores-importer"),
    pytest.param(rule("i", "importer", "90000001", channel="C2"), facts(importer="90000001"), True,
                 id="importer-hit"),
    pytest.param(rule("i", "importer", "90000001", channel="C2"), facts(broker="90000001"), False,
                 id="importer-rule-ignores-broker"),
    pytest.param(rule("w", "watch_list", "HKSHELL001", channel="C3"), facts(parties=["HKSHELL001"]), True,
                 id="watch-list-any-party"),
    pytest.param(rule("w", "watch_list", "90000006", channel="C3"), facts(broker="90000006"), True,
                 id="watch-list-broker"),
    pytest.param(rule("w", "watch_list", "HKSHELL001", channel="C3"), facts(parties=["HKSHELL002"]), False,
                 id="watch-list-miss"),
    pytest.param(rule("n", "new_trader", channel="C2", first_declarations=5), facts(history=TraderHistory(4, DAY)),
                 True, id="new-trader-fourth-declaration"),
    pytest.param(rule("n", "new_trader", channel="C2", first_declarations=5),
                 facts(history=TraderHistory(5, DAY - timedelta(days=1))), False, id="new-trader-sixth-declaration"),
    pytest.param(rule("n", "new_trader", channel="C2", first_days=30),
                 facts(history=TraderHistory(50, DAY - timedelta(days=29))), True, id="new-trader-within-days"),
    pytest.param(rule("n", "new_trader", channel="C2", first_days=30),
                 facts(history=TraderHistory(50, DAY - timedelta(days=30))), False, id="new-trader-after-days"),
    pytest.param(rule("n", "new_trader", channel="C2", first_days=30), facts(history=TraderHistory(0, None)), True,
                 id="new-trader-never-seen"),
    pytest.param(rule("n", "new_trader", channel="C2", first_declarations=5), facts(history=None), False,
                 id="new-trader-without-history-unknown"),
]


@pytest.mark.parametrize(("the_rule", "subject", "hits"), KIND_CASES)
def test_each_rule_kind_matches_what_it_names(the_rule: Rule, subject: DeclarationFacts, hits: bool) -> None:
    selection = select(subject, [the_rule], settings=NO_SAMPLING)
    assert (selection.rules_hit == (the_rule.code,)) is hits
    assert selection.channel == (the_rule.channel if hits else "C1")


def test_rule_explanation_says_what_matched_in_both_languages() -> None:
    hits = evaluate(facts(item(1, "07032000", "CN"), item(2, "07032000", "CN"), item(3, "84713000", "CN")),
                    RuleSet.build([rule("garlic", "origin", "CN", weight=0.35, hs_scope="0703")]))
    assert [(hit.matched_en, hit.matched_zh) for hit in hits] == [
        ("origin CN on item 1, 2, HS 0703 on item 1, 2", "第 1、2 項原產地 CN，第 1、2 項屬稅則 0703")]


def test_an_aeo_is_not_a_new_trader() -> None:
    new_trader = rule("n", "new_trader", channel="C2", first_declarations=5)
    aeo = Trader("30000002", "aeo_security", "TW")
    assert select(facts(importer="30000002", history=TraderHistory(0)), [new_trader], traders=[aeo],
                  settings=NO_SAMPLING).channel == "C1"
    assert select(facts(importer="30000007", history=TraderHistory(0)), [new_trader], traders=[aeo],
                  settings=NO_SAMPLING).channel == "C2"


# --- validity dates --------------------------------------------------------------------------------


@pytest.mark.parametrize(("valid_from", "valid_to", "hits"), [
    (None, None, True),
    (DAY, None, True),
    (None, DAY, True),
    (DAY + timedelta(days=1), None, False),
    (None, DAY - timedelta(days=1), False),
    (DAY - timedelta(days=10), DAY + timedelta(days=10), True),
])
def test_a_rule_applies_only_within_its_validity(valid_from: date | None, valid_to: date | None, hits: bool) -> None:
    dated = rule("dated", "origin", "CN", channel="C3", valid_from=valid_from, valid_to=valid_to)
    assert (select(facts(), [dated], settings=NO_SAMPLING).channel == "C3") is hits


# --- precedence ------------------------------------------------------------------------------------

C3_RULE = rule("force-c3", "hs", "8471", channel="C3")
C2_RULE = rule("force-c2", "origin", "CN", channel="C2")
WEIGHT_RULE = rule("weigh", "origin", "CN", weight=0.15)


@pytest.mark.parametrize(("rules", "learned", "draw", "channel", "decided_by"), [
    pytest.param([C3_RULE, C2_RULE], 0.0, 0.99, "C3", "rule", id="forced-c3-beats-forced-c2"),
    pytest.param([C2_RULE], 0.99, 0.0, "C2", "rule", id="forced-c2-beats-score-and-sampling"),
    pytest.param([], 0.90, 0.99, "C3", "score", id="score-over-c3-threshold"),
    pytest.param([], 0.85, 0.99, "C3", "score", id="score-at-c3-threshold"),
    pytest.param([], 0.60, 0.0, "C2", "score", id="score-over-c2-beats-sampling"),
    pytest.param([WEIGHT_RULE], 0.50, 0.99, "C2", "score", id="rule-weight-lifts-score-over-c2"),
    pytest.param([WEIGHT_RULE], 0.75, 0.99, "C3", "score", id="rule-weight-lifts-score-over-c3"),
    pytest.param([], 0.59, 0.005, "C3", "random", id="sampled-c3"),
    pytest.param([], 0.59, 0.035, "C2", "random", id="sampled-c2"),
    pytest.param([], 0.59, 0.04, "C1", "none", id="just-over-the-sampling-rates"),
    pytest.param([], None, 0.99, "C1", "none", id="no-model-nothing-hit"),
])
def test_precedence(rules: list[Rule], learned: float | None, draw: float, channel: str, decided_by: str) -> None:
    model = FakeScorer({}, default=learned) if learned is not None else None
    selection = select(facts(item(hs="84713000", origin="CN")), rules, model=model, draw=draw)
    assert (selection.channel, selection.decided_by) == (channel, decided_by)
    assert selection.draw == draw


def test_rule_weights_alone_make_a_score_without_a_model() -> None:
    broker = rule("broker", "broker", "90000006", weight=0.30)
    garlic = rule("garlic", "origin", "CN", weight=0.35, hs_scope="0703")
    selection = select(facts(item(hs="07032000"), broker="90000006"), [broker, garlic], settings=NO_SAMPLING)
    assert (selection.channel, selection.decided_by, selection.learned_score) == ("C2", "score", None)
    assert selection.score == pytest.approx(0.65)


def test_the_riskiest_item_gives_the_learned_score() -> None:
    model = FakeScorer({"030617": 0.9, "847130": 0.1})
    selection = select(facts(item(1, "84713000"), item(2, "03061710")), model=model)
    assert selection.learned_score == 0.9 and selection.channel == "C3"
    assert model.explained[-1]["hs6"] == "030617"


# --- AEO, MRA and grade ----------------------------------------------------------------------------

US = Partner("US", "United States", "美國")


@pytest.mark.parametrize(("subject", "traders", "partners", "relief"), [
    pytest.param(facts(importer="30000002"), [Trader("30000002", "aeo_security", "TW")], [], True, id="taiwan-aeo"),
    pytest.param(facts(importer="30000002"), [Trader("30000002", "aeo_general", "TW")], [], True,
                 id="taiwan-general-aeo"),
    pytest.param(facts(aeo_partners=["US-AEO-1"]), [Trader("US-AEO-1", "aeo_security", "US")], [US], True,
                 id="foreign-aeo-under-active-mra"),
    pytest.param(facts(aeo_partners=["US-AEO-1"]), [Trader("US-AEO-1", "aeo_security", "US")], [], False,
                 id="foreign-aeo-without-mra"),
    pytest.param(facts(aeo_partners=["US-AEO-1"]), [Trader("US-AEO-1", "aeo_security", "US")],
                 [replace(US, valid_to=DAY - timedelta(days=1))], False, id="foreign-aeo-mra-expired"),
    pytest.param(facts(importer="30000002"), [Trader("30000002", "aeo_security", "TW", valid_to=date(2024, 12, 31))],
                 [], False, id="aeo-status-expired"),
    pytest.param(facts(importer="30000002"), [Trader("30000002", "ordinary")], [], False, id="ordinary-trader"),
    pytest.param(facts(aeo_partners=["US-AEO-1"]), [], [US], False, id="declared-partner-unknown-to-customs"),
])
def test_aeo_relief_lowers_rates_and_raises_thresholds(subject: DeclarationFacts, traders: list[Trader],
                                                       partners: list[Partner], relief: bool) -> None:
    # a learned score of 0.7 sends an ordinary declaration to C2, not an AEO's (its C2 threshold is 0.8)
    selection = select(subject, model=FakeScorer({}, default=0.7), traders=traders, partners=partners)
    assert selection.relief is relief
    assert selection.channel == ("C1" if relief else "C2")
    assert selection.thresholds == ((0.8, 0.95) if relief else (0.6, 0.85))
    # a draw of 0.02 is sampled into C2 at the normal 4% but not at the AEO's 1%
    sampled = select(subject, traders=traders, partners=partners, draw=0.02)
    assert sampled.channel == ("C1" if relief else "C2")
    assert sampled.rates == pytest.approx((0.0075, 0.0025) if relief else (0.03, 0.01))


def test_foreign_aeo_without_recognition_is_explained() -> None:
    selection = select(facts(aeo_partners=["US-AEO-1"]), traders=[Trader("US-AEO-1", "aeo_security", "US")])
    [line] = [reason for reason in selection.reasons if reason.code == "relief.none"]
    assert "US-AEO-1" in line.en and "no active MRA" in line.en and "無有效相互承認協議" in line.zh


def test_forced_rules_apply_to_aeos_too() -> None:
    selection = select(facts(importer="30000002"), [C3_RULE], traders=[Trader("30000002", "aeo_security", "TW")])
    assert (selection.channel, selection.relief) == ("C3", True)


def test_low_grade_traders_are_sampled_more() -> None:
    low = [Trader("90000001", "low")]
    selection = select(facts(importer="90000001"), traders=low, draw=0.1)
    assert (selection.channel, selection.low_grade) == ("C2", True)
    assert selection.rates == pytest.approx((0.09, 0.03))
    assert select(facts(importer="90000002"), traders=low, draw=0.1).channel == "C1"
    assert any(reason.code == "grade.low" and "低信用" in reason.zh for reason in selection.reasons)


def test_rates_never_add_up_to_more_than_everything() -> None:
    greedy = replace(SETTINGS, random_c2=0.5, random_c3=0.5, low_grade_rate_factor=3.0)
    selection = select(facts(importer="90000001"), traders=[Trader("90000001", "low")], settings=greedy)
    assert selection.rates == (0.0, 1.0) and selection.channel == "C3"


# --- random sampling -------------------------------------------------------------------------------


def test_random_sampling_hits_its_rates_and_is_reproducible_with_a_seed() -> None:
    many = [facts()] * 20_000
    selections = select_channels(many, rules=RuleSet.build([]), model=None, settings=SETTINGS, rng=random.Random(7))
    shares = Counter(selection.channel for selection in selections)
    assert shares["C3"] / 20_000 == pytest.approx(0.01, abs=0.003)
    assert shares["C2"] / 20_000 == pytest.approx(0.03, abs=0.005)
    assert all(selection.decided_by in ("random", "none") for selection in selections)
    again = select_channels(many[:1000], rules=RuleSet.build([]), model=None, settings=SETTINGS,
                            rng=random.Random(7))
    assert again == selections[:1000]


def test_a_batch_selects_exactly_as_one_by_one_with_one_model_call() -> None:
    declarations = [facts(item(hs=hs)) for hs in ("84713000", "03061710", "24022000", "84713000", "07032000")] * 40
    rules = RuleSet.build([replace(C3_RULE, value="2402"), WEIGHT_RULE])
    model = FakeScorer({"030617": 0.7})
    batch = select_channels(declarations, rules=rules, model=model, settings=SETTINGS, rng=random.Random(3))
    assert model.score_calls == 1
    rng = random.Random(3)
    single = [select_channel(f, rules=rules, model=FakeScorer({"030617": 0.7}), settings=SETTINGS, rng=rng)
              for f in declarations]
    assert batch == single


# --- explanations ----------------------------------------------------------------------------------


def test_every_selection_explains_itself_in_english_and_chinese() -> None:
    weighted = rule("hs-0306", "hs", "0306", weight=0.15)
    selection = select(facts(item(hs="03061710")), [weighted], model=FakeScorer({"030617": 0.55}), draw=0.5)
    codes = [reason.code for reason in selection.reasons]
    assert codes == ["channel", "rule.weight", "score", "score.feature", "score.feature", "random.draw"]
    assert all(reason.en and any("\u4e00" <= ch <= "\u9fff" for ch in reason.zh) for reason in selection.reasons)
    summary, rule_line, score, top, _second, draw = selection.reasons
    assert summary.en == "C2 (document review) by risk score" and summary.zh == "C2（文件審核）：依風險分數"
    assert "reason of hs-0306" in rule_line.en and "hs-0306 的理由" in rule_line.zh and "+0.15" in rule_line.en
    assert score.en == "Risk score 0.70 (learned 0.55, rules +0.15), at or above the C2 threshold 0.60"
    assert score.zh == "風險分數 0.70（模型 0.55、規則 +0.15），達 C2 門檻 0.60"
    assert top.en == "Learned score feature origin*hs6:rate (origin=CN, hs6=030617): +1.25 log-odds"
    assert "模型特徵" in top.zh and len(selection.features) == 2
    assert draw.en.startswith("Random sampling: draw 0.5000") and "未採用" in draw.zh
    assert selection.as_dict()["reasons"][0] == {"code": "channel", "en": summary.en, "zh": summary.zh}


def test_forced_and_sampled_selections_name_their_cause() -> None:
    forced = select(facts(), [C3_RULE], draw=0.5)
    assert forced.reasons[0].en == "C3 (physical inspection) by rule force-c3"
    assert "指定 C3" in forced.reasons[1].zh and "reason of force-c3" in forced.reasons[1].en
    sampled = select(facts(), draw=0.001)
    assert sampled.reasons[0].zh == "C3（貨物查驗）：隨機抽中"
    assert sampled.reasons[-1].en == "Random sampling: draw 0.0010 (C3 below 1.00%, C2 below 4.00%) selects C3"


def test_c1_declarations_are_not_explained_feature_by_feature() -> None:
    model = FakeScorer({}, default=0.1)
    selection = select(facts(), model=model)
    assert selection.channel == "C1" and selection.features == () and model.explained == []
    assert selection.reasons[0].en.startswith("C1 (no documents, no inspection)")


# --- the tables, the snapshot and the demo set (database) ------------------------------------------


@pytest.mark.django_db
def test_inactive_rules_profiles_and_partners_are_left_out_of_the_snapshot() -> None:
    SelectionRule.objects.create(code="on", kind="origin", value="CN", channel="C2", reason_en="a", reason_zh="甲")
    SelectionRule.objects.create(code="off", kind="origin", value="JP", channel="C3", reason_en="b", reason_zh="乙",
                                 is_active=False)
    TraderProfile.objects.create(trader_id="30000002", grade="aeo_security", aeo_granted_by="TW", is_active=False)
    MraPartner.objects.create(country="US", name_en="United States", is_active=False)
    rules = store.load_rules()
    assert [r.code for r in rules.rules] == ["on"] and not rules.traders and not rules.partners
    assert select(facts(item(origin="JP")), rules.rules, settings=NO_SAMPLING).channel == "C1"


@pytest.mark.django_db
def test_demo_rules_load_once_and_select_as_described() -> None:
    first = load_demo_selection_rules(actor=SYSTEM)
    assert first["created"] == 8 + 4 + 9 + 1 and first["updated"] == 0
    assert load_demo_selection_rules(actor=SYSTEM) == {"created": 0, "updated": 0, "same": 22}
    assert AuditRecord.objects.filter(action="load", object_type="SelectionSettings").count() == 1
    rules, settings = store.current_rules(), store.current_settings()
    assert (settings.random_c2, settings.random_c3) == (0.03, 0.01)
    tobacco = select_channel(facts(item(hs="24022000")), rules=rules, model=None, settings=settings,
                             rng=Draw(0.9))
    assert tobacco.channel == "C3" and tobacco.rules_hit == ("hs-2402-tobacco",)
    formosa = select_channel(facts(importer="30000002", history=TraderHistory(0)), rules=rules, model=None,
                             settings=settings, rng=Draw(0.02))
    assert (formosa.channel, formosa.relief) == ("C1", True)


@pytest.mark.django_db
def test_a_changed_rule_is_used_at_once_in_the_writing_process(client: Any) -> None:
    client.force_login(User.objects.create_superuser("root", "", "pw-root-12345"))
    assert store.current_rules().rules == ()
    response = client.post("/admin/customs/selectionrule/add/", {
        "code": "origin-kp", "kind": "origin", "value": "KP", "hs_scope": "", "channel": "C3", "weight": "0",
        "reason_en": "Sanctions", "reason_zh": "制裁", "valid_from": "", "valid_to": "", "is_active": "on"})
    assert response.status_code == 302
    assert [r.code for r in store.current_rules().rules] == ["origin-kp"]
    record = AuditRecord.objects.get(action="create", object_type="SelectionRule")
    assert record.changes["value"] == {"old": None, "new": "KP"}


BAD_RULES = [
    pytest.param({"kind": "origin", "value": "China"}, "value", id="origin-not-a-country-code"),
    pytest.param({"kind": "origin", "value": "cn"}, "value", id="origin-lower-case"),
    pytest.param({"kind": "hs", "value": "03.06"}, "value", id="hs-with-dots"),
    pytest.param({"kind": "hs", "value": "0"}, "value", id="hs-one-digit"),
    pytest.param({"kind": "hs", "value": "12345678901"}, "value", id="hs-eleven-digits"),
    pytest.param({"kind": "broker", "value": "12345678"}, "value", id="broker-fails-business-id-check"),
    pytest.param({"kind": "watch_list", "value": "<script>"}, "value", id="watch-list-hostile-text"),
    pytest.param({"kind": "importer", "value": ""}, "value", id="importer-empty"),
    pytest.param({"kind": "new_trader", "value": ""}, "first_declarations", id="new-trader-without-limits"),
    pytest.param({"kind": "new_trader", "value": "x", "first_days": 30}, "value", id="new-trader-with-value"),
    pytest.param({"kind": "origin", "value": "CN", "first_days": 3}, "first_declarations",
                 id="days-on-an-origin-rule"),
    pytest.param({"kind": "hs", "value": "0306", "hs_scope": "03"}, "hs_scope", id="hs-scope-on-hs-rule"),
    pytest.param({"kind": "origin", "value": "CN", "channel": "C3", "weight": Decimal("0.2")}, "weight",
                 id="forces-and-weighs"),
    pytest.param({"kind": "origin", "value": "CN", "channel": ""}, "weight", id="neither-forces-nor-weighs"),
    pytest.param({"kind": "origin", "value": "CN", "channel": "", "weight": Decimal("1.5")}, "weight",
                 id="weight-out-of-range"),
    pytest.param({"kind": "origin", "value": "CN", "valid_from": date(2025, 2, 1), "valid_to": date(2025, 1, 1)},
                 "valid_to", id="validity-backwards"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("fields", "field"), BAD_RULES)
def test_a_malformed_rule_is_refused_and_nothing_is_saved(fields: dict[str, Any], field: str) -> None:
    values = {"code": "bad", "channel": "C2", "reason_en": "why", "reason_zh": "理由", **fields}
    with pytest.raises(ValidationError) as refused:
        SelectionRule(**values).full_clean()
    assert field in refused.value.message_dict
    assert not SelectionRule.objects.exists()


@pytest.mark.django_db
def test_the_back_office_refuses_a_bad_rule_and_a_second_settings_row(client: Any) -> None:
    client.force_login(User.objects.create_superuser("root", "", "pw-root-12345"))
    response = client.post("/admin/customs/selectionrule/add/", {
        "code": "bad", "kind": "origin", "value": "China", "channel": "C3", "weight": "0", "reason_en": "x",
        "reason_zh": "甲", "is_active": "on"})
    assert response.status_code == 200 and "two-letter country code" in response.content.decode()
    assert not SelectionRule.objects.exists() and not AuditRecord.objects.filter(object_type="SelectionRule").exists()
    response = client.post("/admin/customs/selectionsettings/add/", {
        "random_c2_percent": "60", "random_c3_percent": "50", "threshold_c2": "0.6", "threshold_c3": "0.85",
        "relief_rate_factor": "0.25", "relief_threshold_c2": "0.8", "relief_threshold_c3": "0.95",
        "low_grade_rate_factor": "3", "model_file": "../../etc/passwd", "explain_top": "3"})
    assert response.status_code == 200 and not SelectionSettings.objects.exists()
    assert "more than 100%" in response.content.decode() and "inside the data directory" in response.content.decode()
    SelectionSettings.objects.create()
    assert client.get("/admin/customs/selectionsettings/add/").status_code == 403
    assert client.post("/admin/customs/selectionsettings/1/delete/", {"post": "yes"}).status_code == 403
    for url in ("selectionrule", "traderprofile", "mrapartner", "selectionsettings"):
        assert client.get(f"/admin/customs/{url}/").status_code == 200


@pytest.mark.django_db
def test_a_foreign_aeo_names_who_granted_it() -> None:
    with pytest.raises(ValidationError) as refused:
        TraderProfile(trader_id="US-AEO-1", country="US", grade="aeo_security").full_clean()
    assert "aeo_granted_by" in refused.value.message_dict
    with pytest.raises(ValidationError):
        TraderProfile(trader_id="12345678", grade="ordinary").full_clean()  # fails the business ID check
    TraderProfile(trader_id="US-AEO-1", country="US", grade="aeo_security", aeo_granted_by="US").full_clean()


@pytest.mark.django_db
def test_a_missing_model_file_is_explained_and_selection_goes_on(tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.setenv("SW_DATA_DIR", str(tmp_path))
    SelectionSettings.objects.create(model_file="risk/none.json", random_c2_percent=0, random_c3_percent=0)
    SelectionRule.objects.create(code="kp", kind="origin", value="KP", channel="C3", reason_en="a", reason_zh="甲")
    [plain, sanctioned] = select_many([facts(), facts(item(origin="KP"))], rng=random.Random(1))
    assert (plain.channel, sanctioned.channel) == ("C1", "C3")
    [unavailable] = [reason for reason in plain.reasons if reason.code == "score.unavailable"]
    assert "Learned score not used" in unavailable.en and "未使用模型分數" in unavailable.zh


# --- facts from a declaration -----------------------------------------------------------------------


def declaration(**changes: Any) -> ImportDeclaration:
    document = samples.import_declaration(items=2, declarant="30000013", importer="30000007")
    shipment = document["goodsShipment"]
    garlic = shipment["governmentAgencyGoodsItem"][1]
    garlic["commodity"]["classification"] = [{"id": "070320", "identificationTypeCode": "HS"}]
    garlic["origin"] = [{"countryCode": "KP"}]
    garlic["customsValueAmount"] = {"value": "900", "currencyId": "TWD"}
    shipment["seller"] = {"id": "HKSHELL001", "name": "Shell Co."}
    shipment["aeoMutualRecognitionParty"] = [{"id": "US-AEO-1", "roleCode": "CZ"}]
    document.update(changes)
    return ImportDeclaration.model_validate(document)


@pytest.mark.django_db
def test_facts_come_from_the_declaration() -> None:
    found = facts_from_declaration(declaration(issueDateTime="2025-03-02T20:00:00Z"),
                                   history=TraderHistory(3, date(2025, 1, 1)))
    assert (found.importer, found.declarant, found.broker, found.office) == ("30000007", "30000013", "30000013",
                                                                            "TWKEL")
    assert found.on == date(2025, 3, 3)  # 20:00 UTC is the next morning in Taiwan
    assert found.origins == ("CN", "KP") and found.hs_codes == ("84713000", "070320")
    assert found.total_value == Decimal("2100.00") and found.total_mass == Decimal("51.0")
    assert {"HKSHELL001", "30000013", "30000007", "US-AEO-1"} <= found.parties
    assert found.aeo_partners == ("US-AEO-1",)
    assert found.records[1] == {"office": "TWKEL", "transport_mode": None, "declarant": "30000013",
                                "importer": "30000007", "seller": "HKSHELL001", "hs6": "070320", "departure": None,
                                "origin": "KP", "tax_rate": None, "mass": 25.5, "value": 900.0, "date": "2025-03-03"}


@pytest.mark.django_db
def test_a_trader_declaring_for_itself_has_no_broker_and_an_agent_is_the_broker() -> None:
    own = facts_from_declaration(declaration(declarant={"id": "30000007"}))
    assert own.broker is None
    agent = facts_from_declaration(declaration(agent={"id": "90000006", "functionCode": "2"}))
    assert agent.broker == "90000006"


# --- the engine's step -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_engine_step_counts_the_traders_earlier_cases() -> None:
    from singlewindow.customs.models import Case
    from singlewindow.customs.selection.step import select_for_case
    from singlewindow.registry.models import Organisation

    office = Organisation.objects.create(code="office", name_en="Office")
    broker = Organisation.objects.create(code="broker", name_en="Broker")
    SelectionSettings.objects.create(random_c2_percent=0, random_c3_percent=0)
    SelectionRule.objects.create(code="new", kind="new_trader", first_declarations=2, channel="C2",
                                 reason_en="New trader", reason_zh="新進廠商")

    def case(reference: str, at: datetime) -> Case:
        message = uuid.uuid4()
        return Case.objects.create(message_id=message, latest_message_id=message, office=office, declarant=broker,
                                   kind="import_declaration", reference=reference, received_at=at, updated_at=at)

    channels = []
    start = timezone.now() - timedelta(days=3)
    for number in range(3):
        current = case(f"R{number}", start + timedelta(days=number))
        channel, score, explanation = select_for_case(current, declaration(), {"items": [
            {"sequence": 2, "customs_value": "27000"}]})
        Case.objects.filter(pk=current.pk).update(channel=channel, selection=explanation)
        channels.append(channel)
        assert explanation["trader"] == "30000007" and score is None
    # the first two declarations of the importer (through any broker) are a new trader's, the third is not
    assert channels == ["C2", "C2", "C1"]


# --- with the real learned model ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def small_model(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """A model trained on the first 3,000 Korean declarations: about a second, enough to rank and explain."""
    from singlewindow.customs.risk.history import read_history
    from singlewindow.customs.risk.mapping import KOREA_SYNTHETIC
    from singlewindow.customs.risk.model import train_model

    with (shared_data / "risk" / "korea-synthetic-train.csv").open(encoding="utf-8") as source:
        head = [next(source) for _ in range(3001)]
    path = tmp_path_factory.mktemp("risk") / "slice.csv"
    path.write_text("".join(head), encoding="utf-8")
    return train_model(read_history(path, KOREA_SYNTHETIC), KOREA_SYNTHETIC)


def test_the_real_model_scores_in_one_batch_and_explains_selected_declarations(small_model: Any,
                                                                               shared_data: Path) -> None:
    with (shared_data / "risk" / "korea-synthetic-valid.csv").open(encoding="utf-8") as source:
        rows = [line.rstrip("\n").split(",") for line in [next(source) for _ in range(301)]]
    header, body = rows[0], rows[1:]
    column = {name: index for index, name in enumerate(header)}
    records = [{"office": row[column["Office ID"]], "importer": row[column["Importer ID"]],
                "declarant": row[column["Declarant ID"]], "seller": row[column["Seller ID"]],
                "hs6": row[column["HS6 Code"]], "origin": row[column["Country of Origin"]],
                "departure": row[column["Country of Departure"]], "tax_rate": float(row[column["Tax Rate"]]),
                "mass": float(row[column["Net Mass"]]), "value": float(row[column["Item Price"]]),
                "date": row[column["Date"]]} for row in body]
    declarations = [DeclarationFacts(reference=str(index), on=DAY, importer=record["importer"],
                                     items=(item(hs=record["hs6"], origin=record["origin"]),), records=(record,))
                    for index, record in enumerate(records)]
    scores = small_model.score(records)
    ranked = sorted(scores)
    settings = replace(NO_SAMPLING, threshold_c2=ranked[-30], threshold_c3=ranked[-10], explain_top=3)
    selections = select_channels(declarations, rules=RuleSet.build([]), model=small_model, settings=settings,
                                 rng=random.Random(1))
    assert [s.learned_score for s in selections] == pytest.approx(scores)
    assert Counter(s.channel for s in selections) == {"C1": 270, "C2": 20, "C3": 10}
    for selection, record in zip(selections, records, strict=True):
        if selection.channel == "C1":
            assert selection.features == ()
            continue
        expected = small_model.explain(record, top=3).contributions
        assert [(f.feature, f.inputs) for f in selection.features] == [(c.feature, c.inputs) for c in expected]
        assert [f.contribution for f in selection.features] == pytest.approx([c.contribution for c in expected])
        assert sum(reason.code == "score.feature" for reason in selection.reasons) == 3
