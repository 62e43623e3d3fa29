"""Anchor filtering (the novelty band): each accepted response's cosine to its nearest human
reference (the task's own gold solutions: GSM8K rationales, MATH solutions, MBPP code, arith
scratchpads). Above `high` a row restates a reference (redundant); below `low` it has drifted from
anything a person wrote for these problems. `filter: false` (the default) only reports the band;
`filter: true` drops rows outside it (reasons `redundant`, `drift`).

The band is calibrated for the embedder shipped (wordllama l2_supercat, 256 dims) on GSM8K's
labeled model solutions (`bench/quality_calibration.py`, README): the classic 0.65-0.92 band was
set for other embedders and means something else here.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from factory.quality.steps import Item


class NoveltyBand:
    name, version = "novelty", "1"

    def __init__(self, embedder, anchors: Sequence[str], low: float, high: float, filter: bool = False):
        if not anchors:
            raise ValueError("novelty: the task has no gold solutions to anchor on")
        self.embedder, self.low, self.high, self.filter = embedder, low, high, filter
        self._anchors = embedder.embed(list(anchors))
        self.similarity: dict[int, float] = {}

    def prepare(self, items: Sequence[Item]) -> None:
        if items:
            nearest = (self.embedder.embed([i.response for i in items]) @ self._anchors.T).max(axis=1)
            self.similarity = {id(item): float(s) for item, s in zip(items, nearest)}

    def keep(self, item: Item) -> bool | tuple[bool, str]:
        similarity = self.similarity[id(item)]
        if self.filter and similarity >= self.high:
            return False, "redundant"
        if self.filter and similarity <= self.low:
            return False, "drift"
        return True

    def report(self) -> dict:
        values = np.array(list(self.similarity.values()))
        if not len(values):
            return {"rows": 0}
        p5, p50, p95 = (round(float(x), 4) for x in np.percentile(values, [5, 50, 95]))
        return {
            "rows": len(values),
            "band": [self.low, self.high],
            "mean": round(float(values.mean()), 4),
            "p5": p5,
            "p50": p50,
            "p95": p95,
            "above": int((values >= self.high).sum()),
            "below": int((values <= self.low).sum()),
            "filtering": self.filter,
        }
