"""Verifications per second as a user runs each tool's command line, on GSM8K's labeled solutions.

Writes GSM8K's `example_model_solutions.jsonl` (1,319 questions x 4 models = 5,276 model
solutions, each labeled `is_correct`) as rows of `answer` (the ground truth's final `A: N`),
`response` and `label`, then times, wall clock from process start to exit (interpreter start,
imports and file I/O included, as a user waits for them):
- ours: `python -m verifiers.math ROWS -o OUT --workers 2`
- math-verify 0.9: `python -m bench.peers.math_verify_cli ROWS -o OUT` (its documented verbs)
and reports rows/s and agreement with the labels for both.

    python -m bench.math_cli_speed [--data ../shared/data] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

from bench.alternating import report, time_alternating

MODELS = ("6b_finetuning", "6b_verification", "175b_finetuning", "175b_verification")


def write_rows(data: Path, path: Path) -> list[bool]:
    labels = []
    with path.open("w") as out:
        for line in (data / "gsm8k" / "example_model_solutions.jsonl").read_text().splitlines():
            record = json.loads(line)
            gold = record["ground_truth"].rsplit("A:", 1)[1].strip()
            for model in MODELS:
                solution = record[model]
                labels.append(bool(solution["is_correct"]))
                out.write(
                    json.dumps({"answer": gold, "response": solution["solution"], "label": labels[-1]}) + "\n"
                )
    return labels


def agreement_of(output: Path, labels: list[bool]) -> int:
    verdicts = [json.loads(line)["verdict"] for line in output.read_text().splitlines()]
    return sum((verdict == "correct") == label for verdict, label in zip(verdicts, labels))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "data")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each command, alternating")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="sf-cli-speed-"))
    rows = folder / "gsm8k_rows.jsonl"
    labels = write_rows(args.data, rows)
    outputs = {"ours": folder / "ours.jsonl", "math-verify 0.9": folder / "mv.jsonl"}
    python = [sys.executable, "-m"]
    commands = {
        "ours": [*python, "verifiers.math", str(rows), "-o", str(outputs["ours"]), "--workers", "2"],
        "math-verify 0.9": [
            *python,
            "bench.peers.math_verify_cli",
            str(rows),
            "-o",
            str(outputs["math-verify 0.9"]),
        ],
    }
    times, agreement = time_alternating(
        commands, args.repeat, lambda name: agreement_of(outputs[name], labels)
    )
    report(times, len(labels), "rows", agreement, "agree with the labels")


if __name__ == "__main__":
    main()
