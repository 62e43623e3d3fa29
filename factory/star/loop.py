"""STaR rounds: sample, verify, rationalize failures, select, fine-tune, evaluate; repeat.

Each round r, with model M_r (M_0 is the base model):
1. sample N attempts per train problem with M_r and verify them (`sample.py`);
2. rationalize the problems no attempt solved, rejecting rationales that leak the hint
   (`rationalize.py`);
3. select at most K rows per problem from everything accepted so far, dropping exact and
   near-identical duplicates (`select.py`);
4. fine-tune M_{r+1} from the BASE model on that selection (STaR, ReST-EM), if training is on;
5. evaluate on a held-out task (never trained on), when one is given.

Every stage writes into its round's folder (`factory.run_folder`) and is resumable: sampling and
rationalization through the attempt log, training through an atomic rename of the model folder
(a model in place is taken, a killed training's scratch is removed), and a round that finished
(its marker exists) is never redone.

Collaborators are injected: `make_generator(model)` builds a generator for a model folder or
name, `train(rows, output_dir)` fine-tunes, so a test can swap either for a 20-line fake.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from factory.generators import Generator, SamplingSettings
from factory.rows import write_jsonl_atomic
from factory.run_folder import RunFolder
from factory.star.rationalize import rationalize
from factory.star.sample import StagePass, sample_verify_keep
from factory.star.select import select
from factory.tasks import Task
from verifiers import Verifier

# (rows, output_dir) -> {"train_loss": ...}: writes the model into output_dir, an empty scratch
# folder the run folder renames into place when train returns.
Trainer = Callable[[list[dict], Path], dict]


@dataclass(frozen=True)
class StarSettings:
    rounds: int = 1
    rationalize: bool = True
    train: bool = False
    max_per_problem: int = 4
    near_duplicate_ratio: float = 0.9


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
        if self.heldout and summaries and summaries[-1]["trained_model"]:
            generator = self.make_generator(model)
            try:
                final = self._sample(self.heldout, generator, folder.final_heldout.path).summary
            finally:
                generator.close()
            summaries.append(
                {
                    "round": "final",
                    "model": model,
                    "heldout_pass@1": final["pass@1"],
                    "heldout_pass@k": final[f"pass@{self.sampling.n}"],
                }
            )
            on_round(summaries[-1])
        return summaries

    def _round(self, index: int, model: str, folder: RunFolder) -> dict:
        here = folder.round(index)
        generator = self.make_generator(model)
        try:
            sampled = self._sample(self.task, generator, here.stage("sample").path)
            solved = {row["problem_id"] for row in sampled.rows}
            unsolved = (
                [p for p in self.task.problems if p.id not in solved] if self.settings.rationalize else []
            )
            hinted = rationalize(
                self.task, unsolved, generator, self.verifier, self.sampling,
                here.stage("rationalize").path, self.batch_problems,
            )  # fmt: skip
            heldout = None
            if self.heldout:
                heldout = self._sample(self.heldout, generator, here.stage("heldout").path)
        finally:
            generator.close()
        accepted = [*folder.previous_selection(index), *sampled.rows, *hinted.rows]
        selected, duplicates = select(
            accepted, self.settings.max_per_problem, self.settings.near_duplicate_ratio
        )
        write_jsonl_atomic(here.selection, selected)
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
            "duplicate_rate": round(duplicates / len(accepted), 4) if accepted else 0.0,
            "tokens_per_s": session["tokens_per_s"],
            "verifications_per_s": _per_second(session["attempts"], session["wall_s"]),
            "heldout_pass@1": heldout.summary["pass@1"] if heldout else None,
            "heldout_pass@k": heldout.summary[f"pass@{n}"] if heldout else None,
            "train_loss": trained["train_loss"] if trained else None,
            "trained_model": str(here.model) if trained else None,
        }

    def _trained(self, here, selected: list[dict]) -> dict:
        """The round's training result: the model already in place if a killed run finished it."""
        done = here.trained()
        if done is not None:
            return done
        train = self.train
        return here.place_model(lambda scratch: train(selected, scratch))

    def _sample(self, task: Task, generator: Generator, folder: Path) -> StagePass:
        return sample_verify_keep(task, generator, self.verifier, self.sampling, folder, self.batch_problems)
