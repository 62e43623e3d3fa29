"""STaR rounds: sample, verify, rationalize failures, select, fine-tune, evaluate; repeat.

Each round r, with model M_r (M_0 is the base model):
1. sample N attempts per train problem with M_r and verify them (`sample_verify_keep`);
2. rationalize: every problem no attempt solved is prompted again with the gold answer as a hint;
   rationales are verified the same way, and the SFT row pairs the ORIGINAL prompt (no hint) with
   the rationale, marked `source: rationalization`;
3. reject rationales that leak the hint: they mention it, or state the answer before deriving it;
4. select at most K rows per problem from everything accepted so far, dropping exact and
   near-identical duplicates;
5. fine-tune M_{r+1} from the BASE model on that selection (STaR, ReST-EM), if training is on;
6. evaluate on a held-out task (never trained on), when one is given.

Every stage writes into `round-<r>/` and is resumable: sampling and rationalization through the
attempt log, training through an atomic rename of the model folder, and a round that finished
(`round.json` exists) is never redone.

Collaborators are injected: `make_generator(model)` builds a generator for a model folder or
name, `train(rows, output_dir)` fine-tunes, so a test can swap either for a 20-line fake.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from factory.generators import Generator, SamplingSettings
from factory.loop import sample_verify_keep
from factory.store import read_jsonl, write_json_atomic, write_jsonl_atomic
from factory.tasks import Problem, Task

# "We are given ..." is ordinary math prose; only the hint itself or a given *answer* counts.
_MENTIONS_HINT_RE = re.compile(
    r"\bhints?\b|\b(?:given|provided) (?:final |correct )?answer\b|\banswer (?:is|was) (?:given|provided)\b",
    re.IGNORECASE,
)
ANSWER_FIRST_FRACTION = 0.2  # the answer may not appear in the first 20% of a rationale's text


@dataclass(frozen=True)
class StarSettings:
    rounds: int = 1
    rationalize: bool = True
    train: bool = False
    max_per_problem: int = 4
    near_duplicate_ratio: float = 0.9


def hint_leak(response: str, problem: Problem) -> str | None:
    """Why a rationale leaks its hint ("mentions_hint" / "answer_first"), or None if it does not."""
    if _MENTIONS_HINT_RE.search(response):
        return "mentions_hint"
    if not problem.answer.strip():
        return None
    answer = re.compile(rf"(?<![\d.]){re.escape(problem.answer.strip())}(?![\d])")  # 12 is not in 120
    first = answer.search(response)
    if (
        first
        and first.start() < ANSWER_FIRST_FRACTION * len(response)
        and not answer.search(problem.question)
    ):
        return "answer_first"
    return None


def select(rows: list[dict], max_per_problem: int, near_duplicate_ratio: float) -> tuple[list[dict], int]:
    """At most K rows per problem, in order, without exact or near-identical repeats.
    Returns the kept rows and how many were dropped as duplicates."""
    kept: dict[str, list[dict]] = {}
    duplicates = 0
    for row in rows:
        group = kept.setdefault(row["problem_id"], [])
        text = _normalized(row["messages"][-1]["content"])
        if any(
            _similar(text, _normalized(other["messages"][-1]["content"]), near_duplicate_ratio)
            for other in group
        ):
            duplicates += 1
        elif len(group) < max_per_problem:
            group.append(row)
    return [row for group in kept.values() for row in group], duplicates


def _normalized(text: str) -> str:
    return " ".join(text.lower().split())


def _similar(a: str, b: str, ratio: float) -> bool:
    if a == b:
        return True
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    return matcher.quick_ratio() >= ratio and matcher.ratio() >= ratio


def rationalization_task(task: Task, problems: list[Problem]) -> Task:
    return Task(f"{task.name}-rationalize", tuple(problems), task.prompt + task.hint, task.hint)


def _per_second(count: int, seconds: float) -> float | None:
    return round(count / seconds, 2) if seconds else None


@dataclass
class StarLoop:
    task: Task
    heldout: Task | None
    make_generator: Callable[[str], Generator]
    verifier: object
    train: Callable[[list[dict], Path], dict] | None  # (rows, output_dir) -> {model_dir, train_loss}
    sampling: SamplingSettings
    settings: StarSettings
    run_dir: Path
    batch_problems: int = 8

    def run(self, base_model: str, on_round: Callable[[dict], None] = lambda summary: None) -> list[dict]:
        summaries, model = [], base_model
        for index in range(self.settings.rounds):
            marker = self.run_dir / f"round-{index}" / "round.json"
            if marker.exists():  # a finished round is never redone
                summary = json.loads(marker.read_text())
            else:
                summary = self._round(index, model)
                write_json_atomic(marker, summary)
            summaries.append(summary)
            on_round(summary)
            model = summary["trained_model"] or model
        if self.heldout and summaries and summaries[-1]["trained_model"]:
            final = self._heldout(model, self.run_dir / "final-heldout")
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

    def _round(self, index: int, model: str) -> dict:
        round_dir = self.run_dir / f"round-{index}"
        generator = self.make_generator(model)
        try:
            sampled = self._sample(self.task, generator, round_dir / "sample")
            rows = read_jsonl(round_dir / "sample" / "train.jsonl")
            rationalized, leaks, rationalize_unverifiable = self._rationalize(generator, rows, round_dir)
            heldout = self._sample(self.heldout, generator, round_dir / "heldout") if self.heldout else None
        finally:
            generator.close()
        accepted = [*read_jsonl(self.run_dir / f"round-{index - 1}" / "train.jsonl"), *rows, *rationalized]
        selected, duplicates = select(
            accepted, self.settings.max_per_problem, self.settings.near_duplicate_ratio
        )
        write_jsonl_atomic(round_dir / "train.jsonl", selected)
        trained = self.train(selected, round_dir / "model") if (self.settings.train and self.train) else None
        n = self.sampling.n
        return {
            "round": index,
            "model": model,
            "pass@1": sampled["pass@1"],
            f"pass@{n}": sampled[f"pass@{n}"],
            "solved": sampled["solved"],
            "problems": sampled["problems"],
            "unverifiable": sampled["unverifiable"] + rationalize_unverifiable,  # both stages
            "accepted_sampling": len(rows),
            "accepted_rationalization": len(rationalized),
            "hint_leak_rejections": leaks,
            "selected_rows": len(selected),
            "duplicate_rate": round(duplicates / len(accepted), 4) if accepted else 0.0,
            "tokens_per_s": sampled["this_session"]["tokens_per_s"],
            "verifications_per_s": _per_second(
                sampled["this_session"]["attempts"], sampled["this_session"]["wall_s"]
            ),
            "heldout_pass@1": heldout["pass@1"] if heldout else None,
            "heldout_pass@k": heldout[f"pass@{n}"] if heldout else None,
            "train_loss": trained["train_loss"] if trained else None,
            "trained_model": trained["model_dir"] if trained else None,
        }

    def _rationalize(
        self, generator, sampled_rows: list[dict], round_dir: Path
    ) -> tuple[list[dict], dict, int]:
        solved = {row["problem_id"] for row in sampled_rows}
        unsolved = {p.id: p for p in self.task.problems if p.id not in solved}
        leaks = {"mentions_hint": 0, "answer_first": 0}
        if not (self.settings.rationalize and unsolved):
            return [], leaks, 0
        hinted = self._sample(
            rationalization_task(self.task, list(unsolved.values())), generator, round_dir / "rationalize"
        )
        kept = []
        for row in read_jsonl(round_dir / "rationalize" / "train.jsonl"):
            problem = unsolved[row["problem_id"]]
            leak = hint_leak(row["messages"][-1]["content"], problem)
            if leak:
                leaks[leak] += 1
                continue
            # The hint is stripped: the SFT row pairs the original prompt with the rationale.
            kept.append(
                {
                    **row,
                    "messages": [*self.task.messages(problem), row["messages"][-1]],
                    "source": "rationalization",
                }
            )
        return kept, leaks, hinted["unverifiable"]

    def _sample(self, task: Task, generator, folder: Path) -> dict:
        return sample_verify_keep(task, generator, self.verifier, self.sampling, folder, self.batch_problems)

    def _heldout(self, model: str, folder: Path) -> dict:
        generator = self.make_generator(model)
        try:
            return self._sample(self.heldout, generator, folder)
        finally:
            generator.close()
