"""Writes to the selection tables outside the back office: the demonstration rule set.

Officers manage rules, profiles, partners and settings in the back office (audited there); this
module loads a plausible starting set for the demo. Each write goes through ``record_audit``,
which also clears the in-memory snapshots so the next selection in this process sees it.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import models, transaction

from singlewindow.customs.models.selection import (
    Channel,
    MraPartner,
    RuleKind,
    SelectionRule,
    SelectionSettings,
    TraderGrade,
    TraderProfile,
)
from singlewindow.registry.actors import Actor
from singlewindow.registry.services import record_audit

# Countries with which Taiwan has signed AEO mutual recognition arrangements, as published by the
# Customs Administration; kept as sample rows so an operator checks the current list before use.
DEMO_MRA_PARTNERS = (
    ("US", "United States", "美國"), ("SG", "Singapore", "新加坡"), ("IL", "Israel", "以色列"),
    ("KR", "Korea", "韓國"), ("NZ", "New Zealand", "紐西蘭"), ("AU", "Australia", "澳洲"),
    ("JP", "Japan", "日本"), ("CA", "Canada", "加拿大"),
)

# Demo organisations (see ``singlewindow.demo``) and invented traders; 9000000x are not real companies.
DEMO_TRADERS: tuple[dict[str, Any], ...] = (
    {"trader_id": "30000002", "name": "Formosa Electronics Co., Ltd.", "grade": TraderGrade.AEO_SECURITY,
     "aeo_granted_by": "TW", "aeo_certificate": "TW-AEO-S-DEMO-0001"},
    {"trader_id": "30000007", "name": "Pacific Fine Foods Co., Ltd.", "grade": TraderGrade.AEO_GENERAL,
     "aeo_granted_by": "TW", "aeo_certificate": "TW-AEO-G-DEMO-0002"},
    {"trader_id": "90000001", "name": "Demo low-grade importer", "grade": TraderGrade.LOW,
     "note": "Unpaid duties in the demo story."},
    {"trader_id": "US-CTPAT-DEMO1", "name": "Demo US exporter (C-TPAT)", "country": "US",
     "grade": TraderGrade.AEO_SECURITY, "aeo_granted_by": "US", "aeo_certificate": "US-DEMO-1"},
)


@dataclass(frozen=True)
class DemoRule:
    code: str
    kind: str
    value: str
    reason_en: str
    reason_zh: str
    channel: str = ""
    weight: Decimal = Decimal(0)
    hs_scope: str = ""
    first_declarations: int | None = None
    first_days: int | None = None


DEMO_RULES = (
    DemoRule("hs-2402-tobacco", RuleKind.HS, "2402", "Cigars and cigarettes: smuggling and counterfeit risk",
             "菸品：走私及仿冒風險", channel=Channel.C3),
    DemoRule("hs-1006-rice", RuleKind.HS, "1006", "Rice: tariff-rate quota and origin documents",
             "稻米：關稅配額及產地證明文件", channel=Channel.C2),
    DemoRule("hs-0306-crustaceans", RuleKind.HS, "0306", "Crustaceans: species and value often misdeclared",
             "甲殼類：品名及價格常有申報不實", weight=Decimal("0.15")),
    DemoRule("origin-kp", RuleKind.ORIGIN, "KP", "Goods of North Korean origin: UN sanctions",
             "北韓原產貨物：聯合國制裁", channel=Channel.C3),
    DemoRule("origin-cn-alliums", RuleKind.ORIGIN, "CN", "Onions and garlic of Chinese origin: origin "
             "misdeclaration watch", "中國大陸產蔥蒜：產地申報不實注意", weight=Decimal("0.35"), hs_scope="0703"),
    DemoRule("broker-90000006", RuleKind.BROKER, "90000006", "Broker under review for repeated misdeclarations",
             "報關業者屢有申報不實，列入觀察", weight=Decimal("0.30")),
    DemoRule("importer-90000001", RuleKind.IMPORTER, "90000001", "Importer with unpaid duties",
             "進口人有欠稅紀錄", channel=Channel.C2),
    DemoRule("watch-hkshell001", RuleKind.WATCH_LIST, "HKSHELL001", "Consignor linked to a smuggling case",
             "發貨人涉及走私案件", channel=Channel.C3),
    DemoRule("new-trader", RuleKind.NEW_TRADER, "", "New trader: documents reviewed on its first declarations",
             "新進廠商：前幾份報單審核文件", channel=Channel.C2, first_declarations=5, first_days=30),
)

DEMO_SETTINGS: dict[str, Any] = {
    "random_c2_percent": Decimal("3"), "random_c3_percent": Decimal("1"), "threshold_c2": Decimal("0.6"),
    "threshold_c3": Decimal("0.85"), "relief_rate_factor": Decimal("0.25"), "relief_threshold_c2": Decimal("0.8"),
    "relief_threshold_c3": Decimal("0.95"), "low_grade_rate_factor": Decimal("3"),
    "model_file": "risk/korea-synthetic.json", "explain_top": 3,
}


def _put(model: type[models.Model], key: dict[str, Any], values: dict[str, Any]) -> str:
    """Create or update one row (validated); 'created', 'updated' or 'same'."""
    row = model._default_manager.filter(**key).first()
    created = row is None
    if row is None:
        row = model(**key)
    if not created and all(getattr(row, name) == value for name, value in values.items()):
        return "same"
    for name, value in values.items():
        setattr(row, name, value)
    row.full_clean()
    row.save()
    return "created" if created else "updated"


@transaction.atomic
def load_demo_selection_rules(*, actor: Actor) -> dict[str, int]:
    """Load (or bring back) the demo MRA partners, trader profiles, rules and settings; safe to run twice."""
    counts = {"created": 0, "updated": 0, "same": 0}
    for country, name_en, name_zh in DEMO_MRA_PARTNERS:
        counts[_put(MraPartner, {"country": country}, {
            "name_en": name_en, "name_zh": name_zh, "arrangement": "AEO mutual recognition arrangement",
            "is_active": True, "is_sample": True})] += 1
    for trader in DEMO_TRADERS:
        values = {"name": "", "country": "TW", "aeo_granted_by": "", "aeo_certificate": "", "note": "",
                  **{k: v for k, v in trader.items() if k != "trader_id"}, "is_active": True, "is_sample": True}
        counts[_put(TraderProfile, {"trader_id": trader["trader_id"]}, values)] += 1
    for rule in DEMO_RULES:
        counts[_put(SelectionRule, {"code": rule.code}, {
            "kind": rule.kind, "value": rule.value, "reason_en": rule.reason_en, "reason_zh": rule.reason_zh,
            "channel": rule.channel, "weight": rule.weight, "hs_scope": rule.hs_scope,
            "first_declarations": rule.first_declarations, "first_days": rule.first_days,
            "valid_from": None, "valid_to": None, "is_active": True, "is_sample": True})] += 1
    counts[_put(SelectionSettings, {"pk": 1}, DEMO_SETTINGS)] += 1
    if counts["created"] or counts["updated"]:
        record_audit(actor_user=actor.user, action="load", obj=SelectionSettings.objects.get(pk=1),
                     changes={"demo_selection_rules": counts})
    return counts
