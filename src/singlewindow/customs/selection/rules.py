"""Selection rules as plain snapshots, and their evaluation against one declaration's facts.

Nothing here touches the database: ``store.py`` loads the officers' tables into a ``RuleSet``
once (and again when they change), and evaluating a declaration is a handful of dictionary
look-ups, so rules cost microseconds per declaration however many there are.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date

from singlewindow.customs.models.selection import AEO_GRADES, RuleKind, TraderGrade
from singlewindow.customs.selection.facts import DeclarationFacts

HOME_COUNTRY = "TW"


def _valid(valid_from: date | None, valid_to: date | None, day: date) -> bool:
    return (valid_from is None or valid_from <= day) and (valid_to is None or day <= valid_to)


@dataclass(frozen=True)
class Rule:
    """One active selection rule as the engine sees it."""

    code: str
    kind: str
    reason_en: str
    reason_zh: str
    value: str = ""
    hs_scope: str = ""
    channel: str = ""
    weight: float = 0.0
    first_declarations: int | None = None
    first_days: int | None = None
    valid_from: date | None = None
    valid_to: date | None = None

    def valid_on(self, day: date) -> bool:
        return _valid(self.valid_from, self.valid_to, day)


@dataclass(frozen=True)
class Trader:
    """A trader profile: grade and, for an AEO, the customs that granted the status."""

    trader_id: str
    grade: str
    aeo_granted_by: str = ""
    valid_from: date | None = None
    valid_to: date | None = None

    def valid_on(self, day: date) -> bool:
        return _valid(self.valid_from, self.valid_to, day)

    @property
    def is_aeo(self) -> bool:
        return self.grade in AEO_GRADES


@dataclass(frozen=True)
class Partner:
    """An AEO mutual recognition partner country."""

    country: str
    name_en: str
    name_zh: str = ""
    valid_from: date | None = None
    valid_to: date | None = None

    def valid_on(self, day: date) -> bool:
        return _valid(self.valid_from, self.valid_to, day)


@dataclass(frozen=True)
class SelectionConfig:
    """The selection settings: sampling rates and thresholds as fractions (0.03 = 3%)."""

    random_c2: float = 0.03
    random_c3: float = 0.01
    threshold_c2: float = 0.6
    threshold_c3: float = 0.85
    relief_rate_factor: float = 0.25
    relief_threshold_c2: float = 0.8
    relief_threshold_c3: float = 0.95
    low_grade_rate_factor: float = 3.0
    model_file: str = ""
    explain_top: int = 3


@dataclass(frozen=True)
class RuleSet:
    """Every active rule, trader profile and MRA partner, indexed for look-up by what they match."""

    rules: tuple[Rule, ...] = ()
    traders: Mapping[str, Trader] = field(default_factory=dict)
    partners: Mapping[str, Partner] = field(default_factory=dict)
    _index: Mapping[tuple[str, str], tuple[Rule, ...]] = field(default_factory=dict, repr=False, compare=False)
    _new_trader: tuple[Rule, ...] = field(default=(), repr=False, compare=False)

    @classmethod
    def build(cls, rules: Iterable[Rule], traders: Iterable[Trader] = (),
              partners: Iterable[Partner] = ()) -> RuleSet:
        ordered = tuple(sorted(rules, key=lambda rule: rule.code))
        index: dict[tuple[str, str], list[Rule]] = {}
        for rule in ordered:
            if rule.kind != RuleKind.NEW_TRADER:
                index.setdefault((rule.kind, rule.value), []).append(rule)
        return cls(rules=ordered, traders={trader.trader_id: trader for trader in traders},
                   partners={partner.country: partner for partner in partners},
                   _index={key: tuple(found) for key, found in index.items()},
                   _new_trader=tuple(rule for rule in ordered if rule.kind == RuleKind.NEW_TRADER))

    def lookup(self, kind: str, value: str | None) -> tuple[Rule, ...]:
        return self._index.get((kind, value), ()) if value else ()

    @property
    def new_trader_rules(self) -> tuple[Rule, ...]:
        return self._new_trader


@dataclass(frozen=True)
class RuleHit:
    """A rule that matched, with what in the declaration it matched (both languages)."""

    rule: Rule
    matched_en: str
    matched_zh: str


def _items_text(sequences: list[int]) -> tuple[str, str]:
    shown = sequences[:5]
    more = f" (+{len(sequences) - 5})" if len(sequences) > 5 else ""
    return ", ".join(map(str, shown)) + more, "、".join(map(str, shown)) + more


def _scoped(rule: Rule, facts: DeclarationFacts, sequences: list[int] | None = None) -> list[int]:
    """Items the rule applies to: all (or ``sequences``), narrowed to its HS scope when it has one."""
    items = [item for item in facts.items if sequences is None or item.sequence in sequences]
    if not rule.hs_scope:
        return [item.sequence for item in items]
    return [item.sequence for item in items if item.hs_code and item.hs_code.startswith(rule.hs_scope)]


def _scope_text(rule: Rule, sequences: list[int]) -> tuple[str, str]:
    if not rule.hs_scope:
        return "", ""
    en, zh = _items_text(sequences)
    return f", HS {rule.hs_scope} on item {en}", f"，第 {zh} 項屬稅則 {rule.hs_scope}"


def _origin_hits(facts: DeclarationFacts, rules: RuleSet, day: date) -> list[RuleHit]:
    hits = []
    for origin in facts.origins:
        on_items = [item.sequence for item in facts.items if item.origin == origin]
        for rule in rules.lookup(RuleKind.ORIGIN, origin):
            matched = _scoped(rule, facts, on_items)
            if rule.valid_on(day) and matched:
                en, zh = _items_text(matched)
                scope_en, scope_zh = _scope_text(rule, matched)
                hits.append(RuleHit(rule, f"origin {origin} on item {en}{scope_en}",
                                    f"第 {zh} 項原產地 {origin}{scope_zh}"))
    return hits


def _hs_hits(facts: DeclarationFacts, rules: RuleSet, day: date) -> list[RuleHit]:
    matched: dict[str, tuple[Rule, list[tuple[int, str]]]] = {}
    for item in facts.items:
        code = item.hs_code or ""
        for length in range(2, min(len(code), 10) + 1):
            for rule in rules.lookup(RuleKind.HS, code[:length]):
                if rule.valid_on(day):
                    matched.setdefault(rule.code, (rule, []))[1].append((item.sequence, code))
    hits = []
    for rule, items in matched.values():
        en, zh = _items_text([sequence for sequence, _code in items])
        codes = ", ".join(sorted({code for _sequence, code in items})[:5])
        hits.append(RuleHit(rule, f"HS {rule.value} on item {en} ({codes})",
                            f"第 {zh} 項稅則（{codes}）屬 {rule.value}"))
    return hits


PARTY_WORDS = {
    RuleKind.BROKER: ("broker", "報關業者"),
    RuleKind.IMPORTER: ("trader", "進出口人"),
    RuleKind.WATCH_LIST: ("party on the watch list", "注意名單當事人"),
}


def _party_hits(facts: DeclarationFacts, rules: RuleSet, day: date) -> list[RuleHit]:
    looked_up = [(RuleKind.BROKER, facts.broker), (RuleKind.IMPORTER, facts.trader),
                 *((RuleKind.WATCH_LIST, party) for party in sorted(facts.parties))]
    hits = []
    for kind, party in looked_up:
        for rule in rules.lookup(kind, party):
            matched = _scoped(rule, facts)
            if rule.valid_on(day) and matched:
                scope_en, scope_zh = _scope_text(rule, matched)
                word_en, word_zh = PARTY_WORDS[RuleKind(kind)]
                hits.append(RuleHit(rule, f"{word_en} {party}{scope_en}", f"{word_zh} {party}{scope_zh}"))
    return hits


def _new_trader_hits(facts: DeclarationFacts, rules: RuleSet, day: date) -> list[RuleHit]:
    history = facts.trader_history
    if history is None or facts.trader is None:
        return []
    profile = rules.traders.get(facts.trader)
    if profile is not None and profile.is_aeo and profile.valid_on(day):
        return []  # an AEO's certification already proves its track record
    age = (day - history.first_seen).days if history.first_seen is not None else 0
    first_en = f", first on {history.first_seen.isoformat()}" if history.first_seen else ""
    first_zh = f"，首次於 {history.first_seen.isoformat()}" if history.first_seen else ""
    hits = []
    for rule in rules.new_trader_rules:
        few = rule.first_declarations is not None and history.declarations < rule.first_declarations
        young = rule.first_days is not None and age < rule.first_days
        if rule.valid_on(day) and (few or young):
            hits.append(RuleHit(
                rule, f"trader {facts.trader} has {history.declarations} earlier declaration(s){first_en}",
                f"進出口人 {facts.trader} 先前報單 {history.declarations} 份{first_zh}"))
    return hits


def evaluate(facts: DeclarationFacts, rules: RuleSet) -> list[RuleHit]:
    """Every rule valid on the declaration's date that matches it, each once, in code order."""
    day = facts.on
    hits = [*_origin_hits(facts, rules, day), *_hs_hits(facts, rules, day), *_party_hits(facts, rules, day),
            *_new_trader_hits(facts, rules, day)]
    unique = {hit.rule.code: hit for hit in reversed(hits)}
    return sorted(unique.values(), key=lambda hit: hit.rule.code)


GRADE_WORDS = {
    TraderGrade.AEO_SECURITY: ("a security-certified AEO", "安全認證優質企業"),
    TraderGrade.AEO_GENERAL: ("a general AEO", "一般優質企業"),
    TraderGrade.ORDINARY: ("an ordinary trader", "一般廠商"),
    TraderGrade.LOW: ("a low-grade trader", "低信用廠商"),
}


@dataclass(frozen=True)
class Standing:
    """What the trader's grade does to sampling and thresholds, and why (empty when nothing)."""

    relief: bool = False
    low_grade: bool = False
    en: str = ""
    zh: str = ""


def _aeo_recognised(trader: Trader, rules: RuleSet, day: date) -> Partner | bool | None:
    """True for Taiwan's own AEOs, the partner for a recognised foreign AEO, False otherwise."""
    if trader.aeo_granted_by == HOME_COUNTRY:
        return True
    partner = rules.partners.get(trader.aeo_granted_by)
    return partner if partner is not None and partner.valid_on(day) else False


def standing(facts: DeclarationFacts, rules: RuleSet) -> Standing:
    """AEO relief (the trader, or a foreign AEO partner under an active MRA) or the low-grade surcharge."""
    day = facts.on
    trader = rules.traders.get(facts.trader or "")
    if trader is not None and not trader.valid_on(day):
        trader = None
    if trader is not None and trader.grade == TraderGrade.LOW:
        return Standing(low_grade=True, en=f"trader {trader.trader_id} is a low-grade trader",
                        zh=f"進出口人 {trader.trader_id} 為低信用廠商")
    notes_en: list[str] = []
    notes_zh: list[str] = []
    candidates = [(trader, "trader", "進出口人")] if trader is not None and trader.is_aeo else []
    for party in facts.aeo_partners:
        partner_profile = rules.traders.get(party)
        if partner_profile is not None and partner_profile.is_aeo and partner_profile.valid_on(day):
            candidates.append((partner_profile, "AEO partner", "優質企業夥伴"))
    for profile, role_en, role_zh in candidates:
        grade_en, grade_zh = GRADE_WORDS[TraderGrade(profile.grade)]
        recognised = _aeo_recognised(profile, rules, day)
        if recognised is True:
            return Standing(relief=True, en=f"{role_en} {profile.trader_id} is {grade_en}",
                            zh=f"{role_zh} {profile.trader_id} 為{grade_zh}")
        if isinstance(recognised, Partner):
            return Standing(relief=True,
                            en=f"{role_en} {profile.trader_id} is {grade_en} of {recognised.country} "
                               f"({recognised.name_en}, mutual recognition)",
                            zh=f"{role_zh} {profile.trader_id} 為{recognised.name_zh or recognised.country}"
                               f"相互承認之{grade_zh}")
        notes_en.append(f"{role_en} {profile.trader_id}'s AEO status from {profile.aeo_granted_by} is not "
                        "recognised (no active MRA)")
        notes_zh.append(f"{role_zh} {profile.trader_id} 之優質企業資格由 {profile.aeo_granted_by} 核發，"
                        "無有效相互承認協議")
    return Standing(en="; ".join(notes_en), zh="；".join(notes_zh))
