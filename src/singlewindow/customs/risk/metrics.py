"""How good a ranking is for selection: the fraud share among the declarations an officer would check."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class PrecisionAt:
    share: float
    selected: int
    frauds: int

    @property
    def precision(self) -> float:
        return self.frauds / self.selected if self.selected else 0.0


def precision_at(scores: Sequence[float], labels: Sequence[int], share: float) -> PrecisionAt:
    """Frauds among the ``share`` highest-scored declarations (ties keep file order)."""
    if len(scores) != len(labels):
        raise ValueError("scores and labels differ in length")
    if not scores:
        return PrecisionAt(share=share, selected=0, frauds=0)
    selected = max(1, round(len(scores) * share))
    order = np.argsort(-np.asarray(scores, dtype=np.float64), kind="stable")[:selected]
    frauds = int(np.asarray(labels, dtype=np.int64)[order].sum())
    return PrecisionAt(share=share, selected=selected, frauds=frauds)
