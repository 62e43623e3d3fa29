"""Dedup throughput on synthetic rows: 100k by default, problems of 20 responses each, with
planted exact copies (5%) and near copies (5%: one word changed) of earlier rows.

    .venv/bin/python -m bench.dedup_speed [--rows 100000] [--no-embedding]

Prints rows/s for the dedup step (MinHash + exact, and with the embedder for semantic duplicates)
and how many of the planted copies it dropped; the old difflib loop is timed on a 2,000-row slice
(it is quadratic in a problem's rows).
"""

from __future__ import annotations

import argparse
import difflib
import random
import time

from factory.hardware import cpu_info
from factory.quality.dedup import Dedup
from factory.quality.steps import Item, apply_steps

VERBS = ["multiply", "add", "subtract", "carry", "combine", "check", "regroup", "round"]


def synthetic(rows: int, seed: int = 0) -> tuple[list[Item], int]:
    rng = random.Random(seed)
    items: list[Item] = []
    planted = 0
    while len(items) < rows:
        p = len(items) // 20
        a, b, c = rng.randint(10, 99), rng.randint(10, 99), rng.randint(100, 999)
        question = f"What is {a} * {b} - {c}? (problem {p})"
        if items and rng.random() < 0.1:  # a copy of an earlier row of this problem
            source = rng.choice(items[-(len(items) % 20) - 1 :])
            text = source.response
            if rng.random() < 0.5:
                text = text.replace("First", "To begin", 1)
            items.append(Item({"problem_id": source.problem_id}, source.question, text))
            planted += 1
            continue
        steps = " ".join(
            f"Step {i}: we {rng.choice(VERBS)} {rng.randint(1, 9999)} and {rng.randint(1, 9999)}."
            for i in range(rng.randint(3, 8))
        )
        response = f"First, {a} * {b} = {a * b}. {steps} So the answer is {a * b - c}."
        items.append(Item({"problem_id": f"p{p}"}, question, response))
    return items, planted


def difflib_rows_per_s(items: list[Item]) -> float:
    start, kept = time.perf_counter(), {}
    for item in items:
        group = kept.setdefault(item.problem_id, [])
        if not any(difflib.SequenceMatcher(None, item.response, o).ratio() >= 0.9 for o in group):
            group.append(item.response)
    return len(items) / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--no-embedding", action="store_true")
    args = parser.parse_args()
    items, planted = synthetic(args.rows)
    print(f"CPU: {cpu_info('model name')}; {len(items)} rows, {planted} planted copies")
    embedders = [None]
    if not args.no_embedding:
        from factory.quality.embed import WordLlamaEmbedder

        embedders.append(WordLlamaEmbedder())
    for embedder in embedders:
        start = time.perf_counter()
        result = apply_steps([Dedup(embedder)], items)
        seconds = time.perf_counter() - start
        label = "MinHash + exact" if embedder is None else "MinHash + exact + embedding"
        print(
            f"{label}: {len(items) / seconds:,.0f} rows/s ({seconds:.1f} s), dropped "
            f"{len(result.dropped)} ({result.counts['dedup']})"
        )
    print(f"difflib pairwise (the old select), 2,000 rows: {difflib_rows_per_s(items[:2000]):,.0f} rows/s")


if __name__ == "__main__":
    main()
