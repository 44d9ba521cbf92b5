"""Choose a declaration's channel (C1 / C2 / C3) from the rules, the learned score and random sampling.

Precedence, first match wins:

1. a rule that forces **C3**;
2. a rule that forces **C2**;
3. the risk score (learned score of the riskiest item plus the weights of the rules hit) at or
   above the **C3**, then the **C2** threshold;
4. **random sampling**: one uniform draw per declaration, below the C3 rate gives C3, below the
   C3 plus C2 rate gives C2;
5. **AEO / grade relief** is not a channel of its own: an AEO (or a foreign AEO under an active
   MRA) gets lower sampling rates and higher thresholds in steps 3 and 4, a low-grade trader
   higher sampling rates; forced rules apply to everyone;
6. otherwise **C1**.

Every selection carries its explanation: one line per reason, in English and Chinese. The draw
is taken for every declaration, even one a rule already decided, so that a seeded generator
gives the same draws whatever the rules say (and a batch gives what one-by-one gives).
"""

from __future__ import annotations

import random
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from singlewindow.customs.models.selection import Channel
from singlewindow.customs.selection.facts import DeclarationFacts, Record
from singlewindow.customs.selection.rules import RuleHit, RuleSet, SelectionConfig, Standing, evaluate, standing

CHANNEL_WORDS = {Channel.C1: ("no documents, no inspection", "免審免驗"),
                 Channel.C2: ("document review", "文件審核"),
                 Channel.C3: ("physical inspection", "貨物查驗")}


class ContributionLike(Protocol):
    @property
    def feature(self) -> str: ...
    @property
    def inputs(self) -> str: ...
    @property
    def contribution(self) -> float: ...


class ExplanationLike(Protocol):
    @property
    def contributions(self) -> Sequence[ContributionLike]: ...


class Scorer(Protocol):
    """What selection needs of a learned model (``RiskModel`` has it; tests pass a small fake)."""

    def score(self, records: Sequence[Record]) -> list[float]: ...

    def explain(self, record: Record, top: int = 5) -> ExplanationLike: ...


@dataclass(frozen=True)
class Reason:
    """One line of an explanation: a stable code and the same sentence in English and Chinese."""

    code: str
    en: str
    zh: str

    @property
    def line(self) -> str:
        return f"{self.en} / {self.zh}"


@dataclass(frozen=True)
class Feature:
    """A learned-score feature behind a selection: its column, the declaration's values, its push."""

    feature: str
    inputs: str
    contribution: float


@dataclass(frozen=True)
class Selection:
    """The channel, how it was decided, and why."""

    channel: str
    decided_by: str
    score: float | None
    learned_score: float | None
    rule_weight: float
    draw: float
    rates: tuple[float, float]
    thresholds: tuple[float, float]
    relief: bool
    low_grade: bool
    rules_hit: tuple[str, ...]
    features: tuple[Feature, ...] = ()
    reasons: tuple[Reason, ...] = field(default=())

    def as_dict(self) -> dict[str, Any]:
        """JSON form, for the case record and the API."""
        return {
            "channel": self.channel, "decided_by": self.decided_by, "score": self.score,
            "learned_score": self.learned_score, "rule_weight": self.rule_weight, "draw": self.draw,
            "rates": {"C2": self.rates[0], "C3": self.rates[1]},
            "thresholds": {"C2": self.thresholds[0], "C3": self.thresholds[1]}, "relief": self.relief,
            "low_grade": self.low_grade, "rules_hit": list(self.rules_hit),
            "features": [{"feature": f.feature, "inputs": f.inputs, "contribution": f.contribution}
                         for f in self.features],
            "reasons": [{"code": r.code, "en": r.en, "zh": r.zh} for r in self.reasons],
        }


@dataclass(frozen=True)
class _Decision:
    channel: Channel
    decided_by: str
    score: float | None
    rule_weight: float
    rates: tuple[float, float]
    thresholds: tuple[float, float]


def _percent(rate: float) -> str:
    return f"{rate * 100:.2f}%"


def _clamp(value: float) -> float:
    return min(1.0, max(0.0, value))


def _rates(settings: SelectionConfig, grade: Standing) -> tuple[float, float]:
    factor = settings.relief_rate_factor if grade.relief else settings.low_grade_rate_factor if grade.low_grade else 1
    c3 = _clamp(settings.random_c3 * factor)
    return min(_clamp(settings.random_c2 * factor), 1.0 - c3), c3


def _decide(hits: list[RuleHit], learned: float | None, grade: Standing, settings: SelectionConfig,
            draw: float) -> _Decision:
    weight = sum(hit.rule.weight for hit in hits if not hit.rule.channel)
    weighted = any(not hit.rule.channel for hit in hits)
    score = _clamp((learned or 0.0) + weight) if learned is not None or weighted else None
    thresholds = ((settings.relief_threshold_c2, settings.relief_threshold_c3) if grade.relief
                  else (settings.threshold_c2, settings.threshold_c3))
    rates = _rates(settings, grade)
    forced = {hit.rule.channel for hit in hits}
    if Channel.C3 in forced:
        channel, by = Channel.C3, "rule"
    elif Channel.C2 in forced:
        channel, by = Channel.C2, "rule"
    elif score is not None and score >= thresholds[1]:
        channel, by = Channel.C3, "score"
    elif score is not None and score >= thresholds[0]:
        channel, by = Channel.C2, "score"
    elif draw < rates[1]:
        channel, by = Channel.C3, "random"
    elif draw < rates[1] + rates[0]:
        channel, by = Channel.C2, "random"
    else:
        channel, by = Channel.C1, "none"
    return _Decision(channel, by, score, weight, rates, thresholds)


def _rule_reason(hit: RuleHit) -> Reason:
    rule = hit.rule
    if rule.channel:
        word_en, word_zh = CHANNEL_WORDS[Channel(rule.channel)]
        return Reason("rule.forced", f"Rule {rule.code} ({hit.matched_en}) forces {rule.channel} ({word_en}): "
                                     f"{rule.reason_en}",
                      f"規則 {rule.code}（{hit.matched_zh}）指定 {rule.channel}（{word_zh}）：{rule.reason_zh}")
    return Reason("rule.weight", f"Rule {rule.code} ({hit.matched_en}) adds {rule.weight:+.2f} to the risk score: "
                                 f"{rule.reason_en}",
                  f"規則 {rule.code}（{hit.matched_zh}）風險分數 {rule.weight:+.2f}：{rule.reason_zh}")


def _score_reason(decision: _Decision, learned: float | None, unavailable: Reason | None) -> list[Reason]:
    reasons = [unavailable] if unavailable is not None else []
    if decision.score is None:
        return reasons
    low, high = decision.thresholds
    parts_en = [f"learned {learned:.2f}"] if learned is not None else []
    parts_zh = [f"模型 {learned:.2f}"] if learned is not None else []
    if decision.rule_weight:
        parts_en.append(f"rules {decision.rule_weight:+.2f}")
        parts_zh.append(f"規則 {decision.rule_weight:+.2f}")
    if decision.score >= high:
        verdict_en, verdict_zh = f"at or above the C3 threshold {high:.2f}", f"達 C3 門檻 {high:.2f}"
    elif decision.score >= low:
        verdict_en, verdict_zh = f"at or above the C2 threshold {low:.2f}", f"達 C2 門檻 {low:.2f}"
    else:
        verdict_en, verdict_zh = f"below the C2 threshold {low:.2f}", f"低於 C2 門檻 {low:.2f}"
    reasons.append(Reason("score", f"Risk score {decision.score:.2f} ({', '.join(parts_en)}), {verdict_en}",
                          f"風險分數 {decision.score:.2f}（{'、'.join(parts_zh)}），{verdict_zh}"))
    return reasons


def _feature_reasons(features: Sequence[Feature]) -> list[Reason]:
    return [Reason("score.feature", f"Learned score feature {f.feature} ({f.inputs}): {f.contribution:+.2f} log-odds",
                   f"模型特徵 {f.feature}（{f.inputs}）：{f.contribution:+.2f}（對數勝算）") for f in features]


def _standing_reasons(grade: Standing, settings: SelectionConfig, rates: tuple[float, float],
                      thresholds: tuple[float, float]) -> list[Reason]:
    if grade.relief:
        return [Reason("relief.aeo", f"AEO relief: {grade.en}; sampling rates x{settings.relief_rate_factor:g} "
                                     f"(C2 {_percent(rates[0])}, C3 {_percent(rates[1])}), thresholds "
                                     f"C2 {thresholds[0]:.2f} / C3 {thresholds[1]:.2f}",
                       f"優質企業優惠：{grade.zh}；抽核比例 x{settings.relief_rate_factor:g}"
                       f"（C2 {_percent(rates[0])}、C3 {_percent(rates[1])}），門檻 C2 {thresholds[0]:.2f} / "
                       f"C3 {thresholds[1]:.2f}")]
    if grade.low_grade:
        return [Reason("grade.low", f"Low grade: {grade.en}; sampling rates x{settings.low_grade_rate_factor:g} "
                                    f"(C2 {_percent(rates[0])}, C3 {_percent(rates[1])})",
                       f"低信用：{grade.zh}；抽核比例 x{settings.low_grade_rate_factor:g}"
                       f"（C2 {_percent(rates[0])}、C3 {_percent(rates[1])}）")]
    if grade.en:
        return [Reason("relief.none", f"No AEO relief: {grade.en}", f"不適用優質企業優惠：{grade.zh}")]
    return []


def _draw_reason(decision: _Decision, draw: float) -> Reason:
    c2, c3 = decision.rates
    limits_en = f"C3 below {_percent(c3)}, C2 below {_percent(c3 + c2)}"
    limits_zh = f"C3 低於 {_percent(c3)}，C2 低於 {_percent(c3 + c2)}"
    if decision.decided_by == "random":
        return Reason("random.selected", f"Random sampling: draw {draw:.4f} ({limits_en}) selects "
                                         f"{decision.channel}",
                      f"隨機抽核：抽樣值 {draw:.4f}（{limits_zh}）抽中 {decision.channel}")
    return Reason("random.draw", f"Random sampling: draw {draw:.4f} ({limits_en}), not used",
                  f"隨機抽核：抽樣值 {draw:.4f}（{limits_zh}），未採用")


def _summary(decision: _Decision, hits: list[RuleHit]) -> Reason:
    word_en, word_zh = CHANNEL_WORDS[decision.channel]
    channel = decision.channel
    if decision.decided_by == "rule":
        codes = ", ".join(hit.rule.code for hit in hits if hit.rule.channel == channel)
        return Reason("channel", f"{channel} ({word_en}) by rule {codes}", f"{channel}（{word_zh}）：依規則 {codes}")
    if decision.decided_by == "score":
        return Reason("channel", f"{channel} ({word_en}) by risk score", f"{channel}（{word_zh}）：依風險分數")
    if decision.decided_by == "random":
        return Reason("channel", f"{channel} ({word_en}) by random sampling", f"{channel}（{word_zh}）：隨機抽中")
    return Reason("channel", f"C1 ({word_en}): no rule, score or sampling selected this declaration",
                  f"C1（{word_zh}）：未命中規則、風險分數或隨機抽核")


@dataclass(frozen=True)
class _Pending:
    facts: DeclarationFacts
    hits: list[RuleHit]
    grade: Standing
    learned: float | None
    riskiest: Record | None
    draw: float
    decision: _Decision


def _explainer(model: Scorer) -> Callable[[list[Record], int], Sequence[ExplanationLike]]:
    """A batch explainer: ``explain_many`` when the model has one, LightGBM's batch for a ``RiskModel``."""
    batch = getattr(model, "explain_many", None)
    if callable(batch):
        return batch  # type: ignore[no-any-return]
    risk_model = sys.modules.get("singlewindow.customs.risk.model")
    if risk_model is not None and isinstance(model, risk_model.RiskModel):
        from singlewindow.customs.selection.learned import explain_many

        return lambda records, top: explain_many(model, records, top)
    return lambda records, top: [model.explain(record, top) for record in records]


def _learned(facts_list: Sequence[DeclarationFacts], model: Scorer | None) -> list[tuple[float | None, Record | None]]:
    """The learned score of each declaration (its riskiest item) in one batch call, with that item's record."""
    if model is None:
        return [(None, None)] * len(facts_list)
    records = [record for facts in facts_list for record in facts.records]
    scores = model.score(records) if records else []
    found: list[tuple[float | None, Record | None]] = []
    start = 0
    for facts in facts_list:
        own = scores[start:start + len(facts.records)]
        if own:
            best = max(range(len(own)), key=own.__getitem__)
            found.append((own[best], facts.records[best]))
        else:
            found.append((None, None))
        start += len(facts.records)
    return found


def select_channels(facts_list: Sequence[DeclarationFacts], *, rules: RuleSet, model: Scorer | None,
                    settings: SelectionConfig, rng: random.Random,
                    unavailable: Reason | None = None) -> list[Selection]:
    """Select many declarations: the learned score and its explanations are computed in one batch each.

    ``unavailable`` is the reason shown when a configured model could not be loaded; selection
    then goes on with rules, rule weights and random sampling.
    """
    pending = []
    for facts, (learned, riskiest) in zip(facts_list, _learned(facts_list, model), strict=True):
        hits = evaluate(facts, rules)
        grade = standing(facts, rules)
        draw = rng.random()
        decision = _decide(hits, learned, grade, settings, draw)
        pending.append(_Pending(facts, hits, grade, learned, riskiest, draw, decision))
    to_explain = [index for index, item in enumerate(pending)
                  if item.riskiest is not None and item.decision.channel != Channel.C1]
    explained: dict[int, tuple[Feature, ...]] = {}
    if model is not None and to_explain and settings.explain_top > 0:
        records = [item.riskiest for item in pending if item.riskiest is not None
                   and item.decision.channel != Channel.C1]
        explanations = _explainer(model)(records, settings.explain_top)
        for index, explanation in zip(to_explain, explanations, strict=True):
            explained[index] = tuple(Feature(item.feature, item.inputs, float(item.contribution))
                                     for item in explanation.contributions[:settings.explain_top])
    return [_finish(item, explained.get(index, ()), settings, unavailable) for index, item in enumerate(pending)]


def _finish(item: _Pending, features: tuple[Feature, ...], settings: SelectionConfig,
            unavailable: Reason | None) -> Selection:
    decision = item.decision
    reasons = [_summary(decision, item.hits), *(_rule_reason(hit) for hit in item.hits),
               *_score_reason(decision, item.learned, unavailable), *_feature_reasons(features),
               *_standing_reasons(item.grade, settings, decision.rates, decision.thresholds),
               _draw_reason(decision, item.draw)]
    return Selection(
        channel=str(decision.channel), decided_by=decision.decided_by, score=decision.score,
        learned_score=item.learned, rule_weight=decision.rule_weight, draw=item.draw, rates=decision.rates,
        thresholds=decision.thresholds, relief=item.grade.relief, low_grade=item.grade.low_grade,
        rules_hit=tuple(hit.rule.code for hit in item.hits), features=features, reasons=tuple(reasons),
    )


def select_channel(facts: DeclarationFacts, *, rules: RuleSet, model: Scorer | None, settings: SelectionConfig,
                   rng: random.Random, unavailable: Reason | None = None) -> Selection:
    """Select one declaration (see the module docstring for the precedence)."""
    return select_channels([facts], rules=rules, model=model, settings=settings, rng=rng, unavailable=unavailable)[0]
