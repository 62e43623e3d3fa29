"""STaR's rationalization: problems no attempt solved are prompted again with the gold as a hint
(the answer for math, the tests for code); rationales that verify join the training set paired
with the ORIGINAL prompt (hint stripped) and marked `source: rationalization`.

A rationale that leaks its hint is rejected, by checks that depend on the task's kind:
- both kinds: `mentions_hint` (it talks about a hint or a given answer);
- math: `answer_first` (the answer appears in its first 20% before it is derived, unless the
  question itself contains it);
- code: `quotes_tests` (it repeats a test from the hint that the question does not show, which
  the SFT row's prompt will not have).
Not covered: a code rationale that special-cases the test inputs without quoting them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from factory.generators import Generator, SamplingSettings
from factory.star.sample import sample_verify_keep
from factory.tasks import Task
from verifiers import Kind, Problem, Verifier

# "We are given ..." is ordinary math prose; only the hint itself or a given *answer* counts.
_MENTIONS_HINT_RE = re.compile(
    r"\bhints?\b|\b(?:given|provided) (?:final |correct )?answer\b|\banswer (?:is|was) (?:given|provided)\b",
    re.IGNORECASE,
)
ANSWER_FIRST_FRACTION = 0.2  # the answer may not appear in the first 20% of a rationale's text
LEAK_REASONS: dict[Kind, tuple[str, ...]] = {
    "math": ("mentions_hint", "answer_first"),
    "code": ("mentions_hint", "quotes_tests"),
}


@dataclass(frozen=True)
class Rationalized:
    rows: tuple[dict, ...]  # accepted rationales, hint stripped
    leaks: dict[str, int]  # rejections by reason
    unverifiable: int  # hinted attempts the verifier could not decide


def rationalization_task(task: Task, problems: list[Problem]) -> Task:
    return Task(f"{task.name}-rationalize", tuple(problems), task.prompt + task.hint, task.hint, task.kind)


def hint_leak(response: str, problem: Problem, kind: Kind = "math") -> str | None:
    """Why a rationale leaks its hint (one of `LEAK_REASONS[kind]`), or None if it does not."""
    if _MENTIONS_HINT_RE.search(response):
        return "mentions_hint"
    if kind == "code":
        return "quotes_tests" if _quotes_hidden_tests(response, problem) else None
    return "answer_first" if _states_answer_first(response, problem) else None


def _states_answer_first(response: str, problem: Problem) -> bool:
    gold = problem.gold.strip()
    if not gold:
        return False
    answer = re.compile(rf"(?<![\d.]){re.escape(gold)}(?![\d])")  # 12 is not in 120
    first = answer.search(response)
    return bool(
        first
        and first.start() < ANSWER_FIRST_FRACTION * len(response)
        and not answer.search(problem.question)
    )


def _quotes_hidden_tests(response: str, problem: Problem) -> bool:
    hidden = [
        line.strip()
        for line in problem.hint.splitlines()
        if line.strip().startswith("assert") and line.strip() not in problem.question
    ]
    return any(line in response for line in hidden)


def rationalize(
    task: Task,
    unsolved: list[Problem],
    generator: Generator,
    verifier: Verifier,
    sampling: SamplingSettings,
    folder: Path,
    batch_problems: int,
) -> Rationalized:
    """The hinted pass over `unsolved` (resumable like any pass), then the leak checks."""
    leaks = dict.fromkeys(LEAK_REASONS[task.kind], 0)
    if not unsolved:
        return Rationalized((), leaks, 0)
    by_id = {p.id: p for p in unsolved}
    hinted = sample_verify_keep(
        rationalization_task(task, unsolved), generator, verifier, sampling, folder, batch_problems
    )
    kept = []
    for row in hinted.rows:
        problem = by_id[row["problem_id"]]
        leak = hint_leak(row["messages"][-1]["content"], problem, task.kind)
        if leak:
            leaks[leak] += 1
            continue
        # The hint is stripped: the SFT row pairs the original prompt with the rationale.
        kept.append(
            {**row, "messages": [*task.messages(problem), row["messages"][-1]], "source": "rationalization"}
        )
    return Rationalized(tuple(kept), leaks, hinted.summary["unverifiable"])
