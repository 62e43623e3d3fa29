"""STaR rounds: sample, verify, rationalize failures, select, fine-tune, evaluate; repeat.

Each round r, with model M_r (M_0 is the base model):
1. sample N attempts per train problem with M_r and verify them (`sample.py`; or, with
   `until_correct`, more for the problems still short of correct ones);
2. rationalize the problems no attempt solved, rejecting rationales that leak the hint
   (`rationalize.py`);
3. pass everything accepted so far (`star.train_on=gold`: the task's gold solutions instead, the
   supervised baseline) through the quality steps (decontamination, dedup, novelty band:
   `factory.quality`; drops to `dropped.jsonl`), select at most K rows per problem
   (`select.py`), measure the round's data (the drift and collapse monitor), and write the
   round's preference pairs;
4. fine-tune M_{r+1} from the BASE model on that selection (STaR, ReST-EM), if training is on;
5. evaluate M_r on a held-out task (never trained on), when one is given: sampled and greedy,
   each pass@1 with a bootstrap interval and paired gains over M_0 and M_{r-1}.

Every stage writes into its round's folder (`factory.run_folder`) and is resumable: sampling and
rationalization through the attempt log, training through an atomic rename of the model folder
(a model in place is taken, a killed training's scratch is removed), and a round that finished
(its marker exists) is never redone.

Collaborators are injected: `make_generator(model)` builds a generator for a model folder or
name, `train(rows, output_dir)` fine-tunes, so a test can swap either for a 20-line fake.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from factory.generators import Generator, SamplingSettings
from factory.metrics import bootstrap_interval, paired_gain, per_problem_pass
from factory.prompting import PLAIN, Prompting
from factory.rows import read_jsonl, write_jsonl_atomic
from factory.run_folder import RunFolder
from factory.star.rationalize import rationalize
from factory.star.sample import UntilCorrect, sample_verify_keep
from factory.star.select import select
from factory.tasks import Task
from verifiers import Verifier

if TYPE_CHECKING:
    from factory.quality import QualityLayer

# (rows, output_dir) -> {"train_loss": ...}: writes the model into output_dir, an empty scratch
# folder the run folder renames into place when train returns.
Trainer = Callable[[list[dict], Path], dict]


@dataclass(frozen=True)
class StarSettings:
    rounds: int = 1
    rationalize: bool = True
    rationalize_samples: int | None = None  # hinted samples per unsolved problem (None: sampling.n)
    train: bool = False
    max_per_problem: int = 4
    heldout_greedy: bool = True  # also evaluate each model greedily (temperature 0, one sample)
    heldout_samples: int | None = None  # samples per held-out problem in the sampled pass (None: sampling.n)
    max_pairs_per_problem: int = 4  # (chosen, rejected) preference rows per problem and round
    train_on: str = (
        "accepted"  # accepted: STaR's verified rows | gold: the task's gold solutions (SFT baseline)
    )
    bootstrap_resamples: int = 10_000


def _per_second(count: int, seconds: float) -> float | None:
    return round(count / seconds, 2) if seconds else None


@dataclass
class StarLoop:
    task: Task
    heldout: Task | None
    make_generator: Callable[[str], Generator]
    verifier: Verifier
    train: Trainer | None
    sampling: SamplingSettings
    settings: StarSettings
    run_dir: Path
    batch_problems: int = 8
    until_correct: UntilCorrect | None = None  # difficulty-aware sampling of the train problems
    quality: QualityLayer | None = None  # the quality steps and the monitor (None: keep everything)
    prompting: Prompting = PLAIN  # prompt styles of the train samples (diverse prompting)

    def run(self, base_model: str, on_round: Callable[[dict], None] = lambda summary: None) -> list[dict]:
        folder = RunFolder(self.run_dir)
        summaries, model = [], base_model
        for index in range(self.settings.rounds):
            round_folder = folder.round(index)
            summary = round_folder.finished()  # a finished round is never redone
            if summary is None:
                summary = self._round(index, model, folder)
                round_folder.finish(summary)
            summaries.append(summary)
            on_round(summary)
            model = summary["trained_model"] or model
            breaches = summary.get("monitor_breaches")
            if breaches and self.quality and self.quality.settings.monitor.stop:
                print(f"stopped after round {index}: the data contracts ({'; '.join(breaches)})")
                break
        if self.heldout and summaries and summaries[-1]["trained_model"]:
            generator = self.make_generator(model)
            try:
                final = self._evaluate(generator, folder, None)
            finally:
                generator.close()
            summaries.append({"round": "final", "model": model, **final})
            on_round(summaries[-1])
        return summaries

    def _evaluate(self, generator: Generator, folder: RunFolder, index: int | None) -> dict:
        """Held-out pass rates of the generator's model (round `index`'s, or the final one's for
        None), sampled and, by setting, greedy (temperature 0, one sample). Each pass@1 carries a
        95% bootstrap interval over problems, and each gain over the base model (round 0's) and
        over the model before it a paired bootstrap on the same problems."""
        greedy = replace(self.sampling, n=1, temperature=0.0, top_p=1.0)
        sampled = replace(self.sampling, n=self.settings.heldout_samples or self.sampling.n)
        passes = [
            ("heldout", sampled),
            *([("heldout_greedy", greedy)] if self.settings.heldout_greedy else []),
        ]
        figures: dict = {}
        for name, sampling in passes:
            stage = folder.heldout_stage(index, name)
            summary = sample_verify_keep(
                self.heldout, generator, self.verifier, sampling, stage, self.batch_problems
            ).summary
            figures[f"{name}_pass@1"] = summary["pass@1"]
            if name == "heldout":
                figures["heldout_pass@k"] = summary[f"pass@{sampling.n}"]
            figures.update(self._uncertainty(folder, index, name))
        return figures

    def _uncertainty(self, folder: RunFolder, index: int | None, name: str) -> dict:
        resamples, seed = self.settings.bootstrap_resamples, self.sampling.seed
        rates = _rates(folder.heldout_stage(index, name))
        figures = {f"{name}_pass@1_ci95": list(bootstrap_interval(list(rates.values()), resamples, seed))}
        last = self.settings.rounds - 1
        before = {"base": 0, "previous": (last if index is None else index - 1)}
        for label, other in before.items():
            if other >= 0 and other != index:
                figures[f"{name}_gain_vs_{label}"] = paired_gain(
                    rates, _rates(folder.heldout_stage(other, name)), resamples, seed
                )
        return figures

    def _round(self, index: int, model: str, folder: RunFolder) -> dict:
        here = folder.round(index)
        generator = self.make_generator(model)
        try:
            sampled = sample_verify_keep(
                self.task, generator, self.verifier, self.sampling, here.stage("sample").path,
                self.batch_problems, self.until_correct, self.prompting,
            )  # fmt: skip
            solved = {row["problem_id"] for row in sampled.rows}
            unsolved = (
                [p for p in self.task.problems if p.id not in solved] if self.settings.rationalize else []
            )
            hinted_sampling = replace(self.sampling, n=self.settings.rationalize_samples or self.sampling.n)
            hinted = rationalize(
                self.task, unsolved, generator, self.verifier, hinted_sampling,
                here.stage("rationalize").path, self.batch_problems,
            )  # fmt: skip
            heldout = self._evaluate(generator, folder, index) if self.heldout else {}
        finally:
            generator.close()
        fresh = [*sampled.rows, *hinted.rows]
        accepted = [*folder.previous_selection(index), *fresh]
        if self.settings.train_on == "gold":  # the supervised baseline: the same loop, gold rows
            accepted = gold_rows(self.task)
        quality, kept = None, accepted
        if self.quality is not None:
            quality = self.quality.apply(accepted)
            kept = quality.result.kept
            write_jsonl_atomic(here.dropped, quality.result.dropped)
        selected = select(kept, self.settings.max_per_problem)
        write_jsonl_atomic(here.selection, selected)
        monitor = self._monitor(folder, index, fresh, here.stage("sample").attempts)
        pairs = write_jsonl_atomic(
            here.preferences,
            preference_pairs(self.task, here.stage("sample").attempts, self.settings.max_pairs_per_problem),
        )
        trained = self._trained(here, selected) if (self.settings.train and self.train) else None
        n, session = self.sampling.n, sampled.summary["this_session"]
        return {
            "round": index,
            "model": model,
            "pass@1": sampled.summary["pass@1"],
            f"pass@{n}": sampled.summary[f"pass@{n}"],
            "solved": sampled.summary["solved"],
            "problems": sampled.summary["problems"],
            "unverifiable": sampled.summary["unverifiable"] + hinted.unverifiable,  # both stages
            "accepted_sampling": len(sampled.rows),
            "accepted_rationalization": len(hinted.rows),
            "hint_leak_rejections": hinted.leaks,
            "selected_rows": len(selected),
            "preference_pairs": pairs,
            "duplicate_rate": _duplicate_rate(quality, len(accepted)),
            "quality": quality.as_record() if quality else None,
            **monitor,
            "tokens_per_s": session["tokens_per_s"],
            "verifications_per_s": _per_second(session["attempts"], session["wall_s"]),
            "heldout_pass@1": heldout.get("heldout_pass@1"),
            "heldout_pass@k": heldout.get("heldout_pass@k"),
            **{k: v for k, v in heldout.items() if k not in ("heldout_pass@1", "heldout_pass@k")},
            "train_loss": trained["train_loss"] if trained else None,
            "training": trained,  # the trainer's record: steps, rows, precision, settings
            "trained_model": str(here.model) if trained else None,
        }

    def _monitor(self, folder: RunFolder, index: int, fresh: list[dict], attempts: Path) -> dict:
        """The drift and collapse figures of this round's accepted rows, against round 0's."""
        if self.quality is None:
            return {}
        first = folder.round(0)
        round0 = first.finished() if index > 0 else None
        round0_rows = read_jsonl(first.selection) if index > 0 else None
        figures, breaches = self.quality.monitor(
            fresh, read_jsonl(attempts), round0_rows, (round0 or {}).get("monitor")
        )
        for breach in breaches:
            print(f"warning: round {index}: {breach}")
        return {"monitor": figures, "monitor_breaches": breaches}

    def _trained(self, here, selected: list[dict]) -> dict:
        """The round's training result: the model already in place if a killed run finished it."""
        done = here.trained()
        if done is not None:
            return done
        train = self.train
        return here.place_model(lambda scratch: train(selected, scratch))


def _duplicate_rate(quality, accepted: int) -> float:
    if quality is None or not accepted:
        return 0.0
    return round(sum(quality.result.counts.get("dedup", {}).values()) / accepted, 4)


def _rates(stage: Path) -> dict[str, float]:
    return per_problem_pass(read_jsonl(stage / "attempts.jsonl"))


def preference_pairs(task: Task, attempts: Path, per_problem: int):
    """TRL's conversational preference rows (`prompt`, `chosen`, `rejected`) from the round's
    sampling: a correct and an incorrect attempt of the same problem, paired in sample order, at
    most `per_problem` per problem (unverifiable attempts are never used), for DPO or iterative RPO."""
    by_problem: dict[str, dict[str, list[dict]]] = {}
    for record in read_jsonl(attempts):
        if record["verdict"] in ("correct", "incorrect"):
            by_problem.setdefault(record["problem_id"], {"correct": [], "incorrect": []})[
                record["verdict"]
            ].append(record)
    for problem in task.problems:
        split = by_problem.get(problem.id)
        if not split or not split["correct"] or not split["incorrect"]:
            continue
        chosen = sorted(split["correct"], key=lambda r: r["sample_index"])
        rejected = sorted(split["incorrect"], key=lambda r: r["sample_index"])
        count = min(per_problem, max(len(chosen), len(rejected)))
        for i in range(count):
            yield {
                "prompt": list(task.messages(problem)),
                "chosen": [{"role": "assistant", "content": chosen[i % len(chosen)]["response"]}],
                "rejected": [{"role": "assistant", "content": rejected[i % len(rejected)]["response"]}],
                "problem_id": problem.id,
                "chosen_id": chosen[i % len(chosen)]["id"],
                "rejected_id": rejected[i % len(rejected)]["id"],
            }


def gold_rows(task: Task) -> list[dict]:
    """The task's gold solutions (arith's scratchpads) as chat rows: the supervised baseline."""
    if not task.solutions:
        raise ValueError(f"star.train_on=gold: task {task.name!r} has no gold solutions")
    solutions = dict(task.solutions)
    return [
        {
            "messages": [*task.messages(p), {"role": "assistant", "content": solutions[p.id]}],
            "problem_id": p.id,
            "attempt_id": f"gold-{p.id}",
            "source": "gold",
        }
        for p in task.problems
        if p.id in solutions
    ]
