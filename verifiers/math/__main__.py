"""Verify existing generations: `python -m verifiers.math IN.jsonl -o OUT.jsonl [--workers N]`.

IN may also be .json (a list of rows) or .parquet; rows are read by `factory.rows`.

Each input row needs `answer` (the gold final answer; a GSM8K-style solution ending in `#### N`
is cut to N) and `response` (the model's text). Output rows are the input rows plus `verdict`,
`reason`, `extracted`, `verifier` and `verifier_settings`, in input order, written as they are
decided. A bad row stops the run with its line and field named; rows before it are already written.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from factory.rows import RowError, count_rows
from factory.rows import read_rows as rows_with_lines
from verifiers import Problem
from verifiers.cli import verify_rows
from verifiers.math import MathVerifier


def read_rows(path: Path):
    """(row, problem) pairs."""
    for where, row in rows_with_lines(str(path)):
        for field in ("answer", "response"):
            if not isinstance(row.get(field), str | int | float):
                raise RowError(f"{where}: missing or non-text field {field!r}")
        yield row, Problem(where, str(row.get("question", "")), gold_of(row["answer"]))


def gold_of(answer) -> str:
    answer = str(answer)
    return answer.rsplit("####", 1)[1].strip().replace(",", "") if "####" in answer else answer


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m verifiers.math", description=__doc__.splitlines()[0])
    parser.add_argument("input", type=Path)
    parser.add_argument("-o", "--output", type=Path, required=True)
    parser.add_argument("--workers", type=int, default=2, help="processes for symbolic checks")
    parser.add_argument("--timeout", type=float, default=5.0, help="seconds per symbolic check")
    parser.add_argument(
        "--last-number",
        action="store_true",
        help="read the last lone number when no answer is marked (GSM8K)",
    )
    args = parser.parse_args(argv)
    if not args.input.is_file():
        parser.error(f"{args.input}: no such file")

    verifier = MathVerifier(
        timeout_s=args.timeout, workers=args.workers, last_number_fallback=args.last_number
    )
    verifier.warm_up()  # sympy loads in the workers while the fast path runs here
    return verify_rows(
        verifier,
        read_rows(args.input),
        args.output,
        window_size=8192,  # fast-path rows keep flowing while a symbolic one (or the pool's start) is slow
        total=count_rows(args.input),
    )


if __name__ == "__main__":
    sys.exit(main())
