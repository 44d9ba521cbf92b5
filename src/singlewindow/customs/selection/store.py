"""The selection tables as in-memory snapshots, refreshed within seconds of a change.

Selection runs for every declaration, the rules change a few times a day. Each process keeps
one snapshot through the registry's cache: every back-office or service write goes through
``record_audit``, which calls ``cache.changed()``, so the writing process sees its change at once
and every other process within the cache's check interval. The learned model is kept per file
and reloaded when the file changes.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING

from singlewindow import config
from singlewindow.customs.models.selection import MraPartner, SelectionRule, SelectionSettings, TraderProfile
from singlewindow.customs.selection.rules import Partner, Rule, RuleSet, SelectionConfig, Trader
from singlewindow.registry.cache import TTLCache

if TYPE_CHECKING:
    from singlewindow.customs.risk.model import RiskModel

_rules: TTLCache[RuleSet] = TTLCache()
_settings: TTLCache[SelectionConfig] = TTLCache()
_models: dict[str, tuple[tuple[int, int], RiskModel]] = {}
_model_lock = threading.Lock()


def load_rules() -> RuleSet:
    """Every active rule, trader profile and MRA partner, read now (any validity: checked per declaration)."""
    rules = [
        Rule(code=row.code, kind=row.kind, reason_en=row.reason_en, reason_zh=row.reason_zh, value=row.value,
             hs_scope=row.hs_scope, channel=row.channel, weight=float(row.weight),
             first_declarations=row.first_declarations, first_days=row.first_days, valid_from=row.valid_from,
             valid_to=row.valid_to)
        for row in SelectionRule.objects.filter(is_active=True)
    ]
    traders = [
        Trader(trader_id=row.trader_id, grade=row.grade, aeo_granted_by=row.aeo_granted_by,
               valid_from=row.valid_from, valid_to=row.valid_to)
        for row in TraderProfile.objects.filter(is_active=True)
    ]
    partners = [
        Partner(country=row.country, name_en=row.name_en, name_zh=row.name_zh, valid_from=row.valid_from,
                valid_to=row.valid_to)
        for row in MraPartner.objects.filter(is_active=True)
    ]
    return RuleSet.build(rules, traders, partners)


def load_settings() -> SelectionConfig:
    """The settings row as fractions; the defaults when officers never saved one."""
    row = SelectionSettings.objects.filter(pk=1).first() or SelectionSettings()
    return SelectionConfig(
        random_c2=float(row.random_c2_percent) / 100, random_c3=float(row.random_c3_percent) / 100,
        threshold_c2=float(row.threshold_c2), threshold_c3=float(row.threshold_c3),
        relief_rate_factor=float(row.relief_rate_factor), relief_threshold_c2=float(row.relief_threshold_c2),
        relief_threshold_c3=float(row.relief_threshold_c3), low_grade_rate_factor=float(row.low_grade_rate_factor),
        model_file=row.model_file, explain_top=row.explain_top,
    )


def current_rules() -> RuleSet:
    return _rules.get("rules", load_rules)


def current_settings() -> SelectionConfig:
    return _settings.get("settings", load_settings)


def model_path(settings: SelectionConfig) -> Path | None:
    """The model file the settings name, inside the data directory; None when none is configured."""
    return config.data_dir() / settings.model_file if settings.model_file else None


def current_model(settings: SelectionConfig) -> RiskModel | None:
    """The learned model the settings name, loaded once per file version.

    Raises ``RiskError`` when the file is missing, damaged or edited: the caller decides whether
    selection goes on without the score (and says so in the explanation).
    """
    from singlewindow.customs.risk.model import load_model, model_text_path

    path = model_path(settings)
    if path is None:
        return None
    key = str(path)
    try:
        stat, text = path.stat(), model_text_path(path).stat()
        version = (stat.st_mtime_ns ^ text.st_mtime_ns, stat.st_size + text.st_size)
    except OSError:
        version = (0, 0)
    cached = _models.get(key)
    if cached is not None and cached[0] == version:
        return cached[1]
    with _model_lock:
        model = load_model(path)
        _models[key] = (version, model)
    return model
