"""The run folder's append-only attempt log, and the atomic writes of derived files.

Resume rests on two facts: every attempt has an ID derived from what produced it (problem, prompt
template, model, sampling settings, sample index), and each record is one line, appended and
flushed as soon as it is verified. A process killed with SIGKILL loses at most the attempts it had
in flight and, at worst, leaves one torn last line, which the next open cuts off.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable
from pathlib import Path

from factory.generators import SamplingSettings


def attempt_id(
    problem_id: str, prompt_hash: str, model_id: str, sampling: SamplingSettings, index: int
) -> str:
    # `n` is left out on purpose: raising n on a finished run adds samples and redoes none.
    key = [
        problem_id,
        prompt_hash,
        model_id,
        sampling.temperature,
        sampling.top_p,
        sampling.max_tokens,
        sampling.seed,
        index,
    ]
    return hashlib.sha256(json.dumps(key).encode()).hexdigest()[:20]


class AttemptLogError(ValueError):
    pass


class AttemptLog:
    def __init__(self, path: Path):
        self.path = path
        self.records: dict[str, dict] = {}
        if path.exists():
            self._load()
        self._file = open(path, "a", encoding="utf-8")

    def _load(self) -> None:
        data = self.path.read_bytes()
        complete = data[: data.rfind(b"\n") + 1]
        if len(complete) != len(data):  # a torn line from a killed writer: drop it
            with open(self.path, "r+b") as torn:
                torn.truncate(len(complete))
        for number, line in enumerate(complete.decode("utf-8").splitlines(), start=1):
            try:
                record = json.loads(line)
                self.records[record["id"]] = record
            except (json.JSONDecodeError, KeyError, TypeError):
                raise AttemptLogError(f"{self.path}:line {number}: not an attempt record") from None

    def append(self, record: dict) -> None:
        self._file.write(json.dumps(record, ensure_ascii=False) + "\n")
        self._file.flush()
        self.records[record["id"]] = record

    def close(self) -> None:
        self._file.close()


def read_jsonl(path: Path) -> list[dict]:
    """Rows of a JSON-lines file this project wrote; an absent file has none."""
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def write_jsonl_atomic(path: Path, rows: Iterable[dict]) -> int:
    tmp = path.with_name(path.name + ".tmp")
    count = 0
    with open(tmp, "w", encoding="utf-8") as out:
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
            count += 1
    os.replace(tmp, path)
    return count


def write_json_atomic(path: Path, value: dict) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(value, indent=2) + "\n")
    os.replace(tmp, path)
