"""The quality layer's settings and its composition: the steps and the monitor for one task."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from factory.quality.monitor import Bounds, breaches, figures, unigrams
from factory.quality.steps import Item, QualityResult, apply_steps


@dataclass(frozen=True)
class DecontaminationSettings:
    enabled: bool = True
    benchmarks: tuple[str, ...] = ("gsm8k_test", "math_test", "mbpp_test", "humaneval")
    ngram: int = 8
    ngram_overlap: float = 0.8
    cosine: float = 0.92


@dataclass(frozen=True)
class DedupSettings:
    jaccard: float = 0.8
    cosine: float = 0.98


@dataclass(frozen=True)
class NoveltySettings:
    low: float = 0.58
    high: float = 0.95
    filter: bool = False


@dataclass(frozen=True)
class QualitySettings:
    decontaminate: DecontaminationSettings = field(default_factory=DecontaminationSettings)
    dedup: DedupSettings = field(default_factory=DedupSettings)
    novelty: NoveltySettings = field(default_factory=NoveltySettings)
    monitor: Bounds = field(default_factory=Bounds)

    @classmethod
    def from_dict(cls, values: dict) -> QualitySettings:
        decontaminate = dict(values.get("decontaminate", {}))
        if "benchmarks" in decontaminate:
            decontaminate["benchmarks"] = tuple(decontaminate["benchmarks"])
        return cls(
            DecontaminationSettings(**decontaminate),
            DedupSettings(**values.get("dedup", {})),
            NoveltySettings(**values.get("novelty", {})),
            Bounds(**values.get("monitor", {})),
        )


@dataclass(frozen=True)
class QualityReport:
    result: QualityResult
    decontamination: dict | None
    novelty: dict | None

    def as_record(self) -> dict:
        return {
            "dropped": self.result.counts,
            "decontamination": self.decontamination,
            "novelty": self.novelty,
            "seconds": self.result.seconds,
        }


class QualityLayer:
    """The steps and the monitor for one task (and its held-out task), built once per run."""

    def __init__(
        self,
        task,
        heldout,
        embedder,
        settings: QualitySettings = QualitySettings(),
        cache_dir: Path | None = None,
    ):
        from factory.quality.decontaminate import ContaminationIndex, Decontaminate, load_references
        from factory.quality.dedup import Dedup
        from factory.quality.novelty import NoveltyBand

        self.task, self.embedder, self.settings = task, embedder, settings
        self._questions = {p.id: p.question for p in task.problems}
        self.decontaminate = None
        if settings.decontaminate.enabled:
            d = settings.decontaminate
            index = ContaminationIndex(
                load_references(d.benchmarks, heldout),
                embedder,
                d.ngram,
                d.ngram_overlap,
                d.cosine,
                cache_dir,
            )
            self.decontaminate = Decontaminate(index)
        anchors = [text for _, text in task.solutions]
        self.anchor_unigrams = unigrams(anchors)
        n = settings.novelty
        self.novelty = NoveltyBand(embedder, anchors, n.low, n.high, n.filter) if anchors else None
        steps = [
            self.decontaminate,
            Dedup(embedder, settings.dedup.jaccard, settings.dedup.cosine),
            self.novelty,
        ]
        self.steps = [step for step in steps if step is not None]

    def refuse_test_problems(self) -> None:
        from factory.quality.decontaminate import refuse_test_problems

        if self.decontaminate is not None:
            refuse_test_problems(self.task, self.decontaminate.index)

    def apply(self, rows: Sequence[dict]) -> QualityReport:
        items = [
            Item(row, self._questions.get(row["problem_id"], ""), row["messages"][-1]["content"])
            for row in rows
        ]
        result = apply_steps(self.steps, items)
        return QualityReport(
            result,
            self.decontaminate.hits_by_benchmark() if self.decontaminate else None,
            self.novelty.report() if self.novelty else None,
        )

    def monitor(
        self,
        rows: Sequence[dict],
        attempts: Sequence[dict],
        round0_rows: Sequence[dict] | None,
        round0: dict | None,
    ) -> tuple[dict, list[str]]:
        """This round's figures and the bounds they breach (against round 0's, when given)."""
        reference: Counter | None = None
        if round0_rows is not None:
            reference = unigrams([row["messages"][-1]["content"] for row in round0_rows])
        now = figures(rows, attempts, self.embedder, self.anchor_unigrams, reference)
        return now, breaches(now, round0, self.settings.monitor)
