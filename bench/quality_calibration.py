"""Calibrate the novelty band for the shipped embedder: the cosine of a response to its nearest
human reference, for kinds of text whose place is known.

Anchors are GSM8K test's gold rationales (as `tasks.gsm8k` writes them). Kinds:
- `labeled correct` / `labeled wrong`: the four GPT-3 models' solutions in
  `example_model_solutions.jsonl` (GSM8K test questions);
- `copies`: gold rationales lightly edited (a phrase changed, lines joined): redundant;
- `code`: MBPP reference solutions, `degenerate`: a phrase repeated, `other task`: MATH test
  solutions: drift for a GSM8K task.
The band's low end sits under the 1st percentile of labeled correct solutions (at most 1% of good
rows fall below it); its high end under the 5th percentile of copies (95% of copies reach it).

    .venv/bin/python -m bench.quality_calibration
"""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

import numpy as np

from factory import tasks
from factory.hardware import cpu_info
from factory.quality.embed import WordLlamaEmbedder

SHARED = Path("../shared/data")


def kinds(anchors: list[str], rng: random.Random) -> dict[str, list[str]]:
    rows = [json.loads(line) for line in (SHARED / "gsm8k" / "example_model_solutions.jsonl").open()]
    labeled = {True: [], False: []}
    for row in rows:
        for value in row.values():
            if isinstance(value, dict) and "is_correct" in value:
                text = re.sub(r"<<[^>]*>>", "", value["solution"]).replace("\nA: ", "\nThe answer is ")
                labeled[bool(value["is_correct"])].append(text)
    return {
        "labeled correct": labeled[True],
        "labeled wrong": labeled[False],
        "copies": [
            a.replace("The answer is", "So the answer is").replace("\n", " ")
            for a in rng.sample(anchors, 300)
        ],
        "code": [json.loads(line)["code"] for line in (SHARED / "mbpp" / "mbpp.jsonl").open()][:300],
        "degenerate": [" ".join(["the answer"] * rng.randint(5, 60)) for _ in range(100)],
        "other task": [json.loads(line)["solution"] for line in (SHARED / "math" / "MATH_test.jsonl").open()][
            :300
        ],
    }


def main() -> None:
    embedder = WordLlamaEmbedder()
    task = tasks.gsm8k(source=str(SHARED / "gsm8k" / "test.jsonl"), split="test")
    anchors = [text for _, text in task.solutions]
    matrix = embedder.embed(anchors)
    print(f"CPU: {cpu_info('model name')}; embedder {embedder.name}; {len(anchors)} anchors")
    found = {}
    for name, texts in kinds(anchors, random.Random(0)).items():
        nearest = (embedder.embed(texts) @ matrix.T).max(axis=1)
        found[name] = nearest
        p1, p5, p50, p95, p99 = np.percentile(nearest, [1, 5, 50, 95, 99])
        spread = f"p1 {p1:.3f}  p5 {p5:.3f}  p50 {p50:.3f}  p95 {p95:.3f}  p99 {p99:.3f}"
        print(f"{name:16s} n={len(texts):5d}  {spread}")
    low = np.floor(100 * np.percentile(found["labeled correct"], 1)) / 100
    high = np.floor(100 * np.percentile(found["copies"], 5)) / 100
    print(f"band: low {low:.2f} (p1 of labeled correct, rounded down), high {high:.2f} (p5 of copies)")
    for name, nearest in found.items():
        below, above = 100 * (nearest <= low).mean(), 100 * (nearest >= high).mean()
        print(f"  {name}: {below:.1f}% at or below low, {above:.1f}% at or above high")


if __name__ == "__main__":
    main()
