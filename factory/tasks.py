"""Problem sets: GSM8K and MATH, from jsonl / json / parquet files or any `datasets` source.

Every row is checked before any generation starts; a bad row raises `ProblemFileError` naming the
file, the line (or row) and the field. With no `source`, GSM8K reads the embedded slice shipped in
`factory/data/gsm8k/` (first 100 rows of each split, MIT), so the default run needs nothing else.
A `source` of the form `hf:NAME[:CONFIG]` goes through `datasets.load_dataset` (needs a hub or a
local datasets cache); paths are always read locally.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from factory.generators import Message
from verifiers.math.extract import last_boxed

EMBEDDED_DATA = Path(__file__).parent / "data"

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
    answer: str  # the gold final answer, as the verifier compares it


@dataclass(frozen=True)
class Task:
    name: str
    problems: tuple[Problem, ...]
    prompt: str  # a template with `{question}` (and `{answer}` in STaR's hinted prompts)

    def messages(self, problem: Problem) -> tuple[Message, ...]:
        return (
            {"role": "user", "content": self.prompt.format(question=problem.question, answer=problem.answer)},
        )

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
        with open(path, encoding="utf-8") as lines:
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
