"""Verify existing programs: `python -m verifiers.code IN.jsonl -o OUT.jsonl [--backend B] [--workers N]`.

IN rows are HumanEval rows (`task_id`, `prompt`, `test`, `entry_point`) or MBPP rows (full:
`text`, `test_setup_code`, `test_list`; sanitized: `prompt`, `test_imports`, `test_list`), as in
their original files, plus `response` (the model's text: a fenced block, a whole program, or a
HumanEval body completion). IN may be .jsonl, .json or .parquet. Output rows are the input rows
plus `verdict`, `reason`, `mode` (values / program), `detail` (which check failed, in words),
`extracted` (the code run), `verifier` and `verifier_settings`, in input order, written as they
are decided. A bad row stops the run with its line and field named; rows before it are already
written.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from factory.rows import RowError, count_rows
from factory.rows import read_rows as rows_with_lines
from sandboxes import Limits, SandboxUnavailable
from sandboxes.backends import BACKENDS, open_sandbox
from verifiers import Problem
from verifiers.cli import verify_rows
from verifiers.code import CodeVerifier
from verifiers.code.gold import humaneval_gold, mbpp_gold


def read_rows(path: Path):
    """(row, problem) pairs; the format is told by the fields each row has."""
    for where, row in rows_with_lines(str(path)):
        if not isinstance(row.get("response"), str):
            raise RowError(f"{where}: missing or non-text field 'response'")
        if "entry_point" in row:
            gold = humaneval_gold(row, where)
        elif "test_list" in row:
            gold = mbpp_gold(row, where)[0]
        else:
            raise RowError(
                f"{where}: neither a HumanEval row (field 'entry_point') nor an MBPP row (field 'test_list')"
            )
        yield row, Problem(where, str(row.get("prompt") or row.get("text") or ""), gold)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m verifiers.code", description=__doc__.splitlines()[0])
    parser.add_argument("input", type=Path)
    parser.add_argument("-o", "--output", type=Path, required=True)
    parser.add_argument("--backend", choices=BACKENDS, default="process")
    parser.add_argument("--workers", type=int, default=2, help="programs run at once")
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds per program")
    parser.add_argument("--url", help="the service for --backend http")
    args = parser.parse_args(argv)
    if not args.input.is_file():
        parser.error(f"{args.input}: no such file")
    limits = Limits(timeout_s=args.timeout)
    try:
        sandbox = open_sandbox(args.backend, limits, args.url, workers=args.workers)
    except SandboxUnavailable as exc:
        print(f"error: {args.backend} sandbox unavailable: {exc}", file=sys.stderr)
        return 2
    verifier = CodeVerifier(sandbox, timeout_s=args.timeout, workers=args.workers)
    return verify_rows(
        verifier,
        read_rows(args.input),
        args.output,
        window_size=4 * args.workers,
        total=count_rows(args.input),
    )


if __name__ == "__main__":
    sys.exit(main())
