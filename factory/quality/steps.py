"""The shape every quality step has (after datatrove's filters): a step sees the rows the steps
before it kept, `prepare(items)` does its batch work (embeddings) once, then `keep(item)` answers
True or (False, reason) row by row, in order (dedup keeps the first of duplicates). Nothing is
lost: `apply_steps` returns every dropped row with the step, its version and the reason, and the
drops counted per step and reason."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True)
class Item:
    """A training row and the two texts the steps read: its problem and its response."""

    row: dict
    question: str
    response: str

    @property
    def problem_id(self) -> str:
        return self.row["problem_id"]


class Step(Protocol):
    name: str
    version: str

    def prepare(self, items: Sequence[Item]) -> None: ...

    def keep(self, item: Item) -> bool | tuple[bool, str]: ...


@dataclass
class QualityResult:
    kept: list[dict]
    dropped: list[dict]  # the row, plus `dropped_by`, `step_version`, `reason`
    counts: dict[str, dict[str, int]]  # step -> reason -> rows dropped
    seconds: dict[str, float] = field(default_factory=dict)  # step -> wall time


def apply_steps(steps: Sequence[Step], items: Sequence[Item]) -> QualityResult:
    kept, dropped, counts, seconds = list(items), [], {}, {}
    for step in steps:
        start = time.perf_counter()
        step.prepare(kept)
        survivors, reasons = [], Counter()
        for item in kept:
            verdict = step.keep(item)
            if verdict is True or (isinstance(verdict, tuple) and verdict[0]):
                survivors.append(item)
                continue
            reason = verdict[1] if isinstance(verdict, tuple) else "dropped"
            reasons[reason] += 1
            dropped.append(
                {**item.row, "dropped_by": step.name, "step_version": step.version, "reason": reason}
            )
        kept, counts[step.name] = survivors, dict(reasons)
        seconds[step.name] = round(time.perf_counter() - start, 3)
    return QualityResult([item.row for item in kept], dropped, counts, seconds)
