"""What the verifier command lines share: (row, problem) pairs in, rows plus verdicts out, in input
order, with a progress bar.

Rows are submitted ahead of the writer (a window of `window_size`), written as soon as the oldest
is decided, and flushed one by one; a bad row stops reading with its place named, and every row
read before it is still written.
"""

from __future__ import annotations

import collections
import json
import sys
from collections import deque
from collections.abc import Iterable
from pathlib import Path

from tqdm import tqdm

from factory.rows import RowError
from verifiers import Problem, Verifier, stamp


def verify_rows(
    verifier: Verifier,
    rows: Iterable[tuple[dict, Problem]],
    output: Path,
    window_size: int,
    total: int | None = None,
) -> int:
    """Write each row plus its verdict (and the verifier's stamp) to `output`, then close the
    verifier; the exit status for the command line."""
    try:
        return _write_verdicts(verifier, rows, output, window_size, total)
    finally:
        verifier.close()


def _write_verdicts(verifier: Verifier, rows, output: Path, window_size: int, total: int | None) -> int:
    stamped = stamp(verifier)
    counts: collections.Counter = collections.Counter()
    error: RowError | None = None
    window: deque = deque()
    with open(output, "w", encoding="utf-8") as out, tqdm(total=total, desc="verified", unit="row") as bar:

        def write_oldest() -> None:
            row, future = window.popleft()
            verdict = future.result()
            row.update(verdict=verdict.status, reason=verdict.reason, extracted=verdict.extracted)
            row.update(
                {k: v for k, v in (("mode", verdict.mode), ("detail", verdict.detail)) if v is not None}
            )
            out.write(json.dumps({**row, **stamped}, ensure_ascii=False) + "\n")
            out.flush()
            counts[verdict.status] += 1
            bar.update(1)

        try:
            for row, problem in rows:
                window.append((row, verifier.submit(problem, str(row["response"]))))
                while window and (window[0][1].done() or len(window) > window_size):
                    write_oldest()
        except RowError as exc:
            error = exc
        while window:  # rows read before a bad one are still written
            write_oldest()
    if error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    done = sum(counts.values())
    print(f"{done} rows: " + ", ".join(f"{counts[s]} {s}" for s in ("correct", "incorrect", "unverifiable")))
    print(f"output: {output}")
    return 0
