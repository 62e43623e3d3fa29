"""The critic's precision and recall against labeled solutions, and its agreement with the math
verifier: `../shared/data/gsm8k/example_model_solutions.jsonl` (GSM8K test questions, four GPT-3
models' solutions, each labeled `is_correct`), a seeded sample balanced between right and wrong.

    .venv/bin/python -m bench.judge_quality [--count 100] [--generator hf|llamacpp] [--samples 5]

Positive = the label says correct. Precision and recall are over the judge's decided verdicts;
`unverifiable` (judge_unsure, judge_no_verdict) is counted apart. The math verifier judges the same
solutions against the GSM8K gold (`A: N` is the solutions' answer line). Judgments are appended to
`bench/results/judge/<generator>-<samples>.jsonl`; a rerun skips those already there.
"""

from __future__ import annotations

import argparse
import json
import random
import re
from pathlib import Path

from bench.arith_calibration import make_generator
from factory.hardware import cpu_info
from factory.judge import JudgeVerifier
from factory.metrics import bootstrap_interval
from verifiers import Problem
from verifiers.math import MathVerifier

SOURCE = Path("../shared/data/gsm8k/example_model_solutions.jsonl")
RESULTS = Path(__file__).parent / "results" / "judge"


def labeled(count: int, seed: int = 0) -> list[dict]:
    rows = [json.loads(line) for line in SOURCE.open(encoding="utf-8")]
    solutions = {True: [], False: []}
    for i, row in enumerate(rows):
        gold = row["ground_truth"].rsplit("A:", 1)[-1].strip().replace(",", "")
        for model, value in row.items():
            if isinstance(value, dict) and "is_correct" in value:
                text = re.sub(r"<<[^>]*>>", "", value["solution"]).replace("\nA: ", "\nThe answer is ")
                solutions[bool(value["is_correct"])].append(
                    {
                        "id": f"{i}:{model}",
                        "question": row["question"],
                        "gold": gold,
                        "solution": text,
                        "label": bool(value["is_correct"]),
                    }  # fmt: skip
                )
    rng = random.Random(seed)
    return rng.sample(solutions[True], count // 2) + rng.sample(solutions[False], count - count // 2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100)
    parser.add_argument("--generator", default="hf", choices=("hf", "llamacpp"))
    parser.add_argument("--samples", type=int, default=5)
    args = parser.parse_args()
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"{args.generator}-{args.samples}.jsonl"
    done = {json.loads(line)["id"]: json.loads(line) for line in out.open()} if out.exists() else {}
    items = labeled(args.count)
    todo = [item for item in items if item["id"] not in done]
    print(f"CPU: {cpu_info('model name')}; {len(items)} labeled solutions, {len(todo)} to judge")
    math = MathVerifier(last_number_fallback=True)
    judge = JudgeVerifier(make_generator(args.generator), samples=args.samples) if todo else None
    try:
        futures = [(item, judge.submit(Problem(item["id"], item["question"], item["gold"]), item["solution"]))
                   for item in todo]  # fmt: skip
        with out.open("a", encoding="utf-8") as handle:
            for item, future in futures:
                verdict = future.result()
                checked = math.verify(item["solution"], item["gold"])
                record = {"id": item["id"], "label": item["label"], "judge": verdict.status,
                          "votes": verdict.detail, "math": checked.status}  # fmt: skip
                handle.write(json.dumps(record) + "\n")
                handle.flush()
                done[item["id"]] = record
    finally:
        math.close()
        if judge:
            judge.close()
    report([done[item["id"]] for item in items])


def report(records: list[dict]) -> None:
    decided = [r for r in records if r["judge"] != "unverifiable"]
    tp = sum(r["judge"] == "correct" and r["label"] for r in decided)
    said_correct = sum(r["judge"] == "correct" for r in decided)
    positives = sum(r["label"] for r in decided)
    precision = tp / said_correct if said_correct else None
    recall = tp / positives if positives else None
    hits = [float((r["judge"] == "correct") == r["label"]) for r in decided]
    low, high = bootstrap_interval(hits) if hits else (None, None)
    agree = [r for r in decided if r["math"] != "unverifiable"]
    agreement = sum((r["judge"] == "correct") == (r["math"] == "correct") for r in agree)
    math_right = sum((r["math"] == "correct") == r["label"] for r in records if r["math"] != "unverifiable")
    print(f"judge: {len(decided)} decided, {len(records) - len(decided)} unverifiable of {len(records)}")
    print(f"judge precision {precision}, recall {recall}, accuracy on decided {sum(hits)}/{len(hits)} "
          f"[{low}, {high}]")  # fmt: skip
    majority = [r for r in records if _share(r["votes"]) is not None and _share(r["votes"]) != 0.5]
    said = [r for r in majority if _share(r["votes"]) > 0.5]
    right, positives = sum(r["label"] for r in said), sum(r["label"] for r in majority)
    precision = right / len(said) if said else None
    recall = right / positives if positives else None
    print(f"by majority vote instead of the threshold: {len(said)} of {len(majority)} called correct, "
          f"precision {precision}, recall {recall}")  # fmt: skip
    print(f"agreement with the math verifier: {agreement}/{len(agree)}; the math verifier vs the labels: "
          f"{math_right}/{sum(r['math'] != 'unverifiable' for r in records)}")  # fmt: skip


def _share(votes: str | None) -> float | None:
    found = re.match(r"(\d+) of (\d+) judge votes", votes or "")
    return int(found.group(1)) / int(found.group(2)) if found and int(found.group(2)) else None


if __name__ == "__main__":
    main()
