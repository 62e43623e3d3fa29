"""Pass@1 of two runs on the problems they share, each with a 95% interval, and their paired
difference: `python -m bench.compare_runs RUN_A RUN_B [--stage sample] [--resamples 10000]`.

Per problem, pass@1 is the share of its verifiable attempts that are correct (round 0's `stage`
folder of each run). Intervals are percentile bootstraps over problems (seeded); the difference
resamples the same problems for both runs (paired), so problem difficulty cancels out.
"""

from __future__ import annotations

import argparse
import random
import statistics
from pathlib import Path

from factory.rows import read_jsonl
from factory.run_folder import RunFolder


def per_problem_pass(run: Path, stage: str) -> dict[str, float]:
    counts: dict[str, list[int]] = {}
    for attempt in read_jsonl(RunFolder(run).round(0).stage(stage).attempts):
        if attempt["verdict"] != "unverifiable":
            correct, total = counts.setdefault(attempt["problem_id"], [0, 0])
            counts[attempt["problem_id"]] = [correct + (attempt["verdict"] == "correct"), total + 1]
    return {problem: correct / total for problem, (correct, total) in counts.items()}


def bootstrap(values: list[float], resamples: int, seed: int) -> tuple[float, float]:
    rng = random.Random(seed)
    means = sorted(statistics.fmean(rng.choices(values, k=len(values))) for _ in range(resamples))
    return means[int(0.025 * resamples)], means[int(0.975 * resamples) - 1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("runs", type=Path, nargs=2)
    parser.add_argument("--stage", default="sample")
    parser.add_argument("--resamples", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    a, b = (per_problem_pass(run, args.stage) for run in args.runs)
    shared = sorted(set(a) & set(b))
    for run, rates in zip(args.runs, (a, b)):
        low, high = bootstrap([rates[p] for p in shared], args.resamples, args.seed)
        mean = statistics.fmean(rates[p] for p in shared)
        interval = f"[{100 * low:.1f}, {100 * high:.1f}]"
        print(f"{run}: pass@1 {100 * mean:.1f}% {interval} on {len(shared)} problems")
    differences = [b[p] - a[p] for p in shared]
    low, high = bootstrap(differences, args.resamples, args.seed)
    verdict = "inside the noise" if low <= 0 <= high else "outside the noise"
    print(
        f"paired difference (second - first): {100 * statistics.fmean(differences):+.1f} points "
        f"[{100 * low:+.1f}, {100 * high:+.1f}], {verdict}"
    )


if __name__ == "__main__":
    main()
