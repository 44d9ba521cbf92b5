"""Select declarations with the rules, settings and learned model in force now: the engine's entry point."""

from __future__ import annotations

import random
from collections.abc import Sequence

from singlewindow.customs.risk.errors import RiskError
from singlewindow.customs.selection import store
from singlewindow.customs.selection.facts import DeclarationFacts, TraderHistory, facts_from_declaration
from singlewindow.customs.selection.rules import SelectionConfig
from singlewindow.customs.selection.select import Reason, Scorer, Selection, select_channels
from singlewindow.datamodel.datasets.declaration import Declaration


def model_in_force(settings: SelectionConfig) -> tuple[Scorer | None, Reason | None]:
    """The configured learned model, or None and the reason it cannot be used (selection goes on)."""
    try:
        return store.current_model(settings), None
    except RiskError as error:
        return None, Reason("score.unavailable", f"Learned score not used: {error.en}",
                            f"未使用模型分數：{error.zh}")


def select_many(facts_list: Sequence[DeclarationFacts], *, rng: random.Random | None = None) -> list[Selection]:
    """Select a batch with the current snapshot; the draw is unpredictable unless ``rng`` is given."""
    settings = store.current_settings()
    model, unavailable = model_in_force(settings)
    return select_channels(facts_list, rules=store.current_rules(), model=model, settings=settings,
                           rng=rng or random.SystemRandom(), unavailable=unavailable)


def select_declaration(declaration: Declaration, *, history: TraderHistory | None = None,
                       rng: random.Random | None = None) -> Selection:
    """The channel of one declaration and its explanation."""
    return select_many([facts_from_declaration(declaration, history=history)], rng=rng)[0]
