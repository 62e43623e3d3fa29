"""Calibrate task=arith's difficulty: the embedded model's greedy pass@1 per setting, with its 95%
interval, on held-out (test-split) problems, through the factory's own sample-verify-keep.

Aim (issue 16): the default setting's greedy pass@1 between 15% and 50% (room to learn, enough
correct samples to start). Each setting's attempts go to `bench/results/arith-calibration/<setting>/`
(resumable: rerun the same command to finish a cut run; small enough to commit).

    python -m bench.arith_calibration [--settings expression:2:2,expression:2:2:*+-] [--count 48]
        [--generator hf] [--max-tokens 256]

A setting is form:digits:steps[:operators] (operators after the first `*`, default `+-`).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from factory import tasks
from factory.generators import SamplingSettings
from factory.hardware import cpu_info
from factory.metrics import bootstrap_interval, per_problem_pass
from factory.rows import read_jsonl
from factory.star.sample import sample_verify_keep
from verifiers.math import MathVerifier

RESULTS = Path(__file__).parent / "results" / "arith-calibration"


def make_generator(name: str):
    """The embedded model on `hf` or `llamacpp` (the benches that judge the embedded model share it)."""
    if name == "llamacpp":
        from factory.generators.llamacpp import LlamaCppGenerator

        return LlamaCppGenerator(model="embedded")
    from factory.generators.hf import HFGenerator

    return HFGenerator(model="embedded")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--settings", default="expression:2:2", help="form:digits:steps[:operators], comma-separated"
    )
    parser.add_argument("--count", type=int, default=48)
    parser.add_argument("--generator", default="hf", choices=("hf", "llamacpp"))
    parser.add_argument("--max-tokens", type=int, default=256)
    args = parser.parse_args()
    generator = make_generator(args.generator)
    verifier = MathVerifier(last_number_fallback=True)  # as the arith task asks
    greedy = SamplingSettings(n=1, temperature=0.0, max_tokens=args.max_tokens, seed=0)
    print(f"CPU: {cpu_info('model name')}")
    try:
        for setting in args.settings.split(","):
            form, digits, steps, *rest = setting.split(":")
            operators = rest[0] if rest else "+-"
            task = tasks.arith(
                split="test", count=args.count, form=form, digits=int(digits), steps=int(steps),
                operators=operators,
            )  # fmt: skip
            folder = RESULTS / f"{args.generator}-{task.name.removeprefix('arith-')}"
            summary = sample_verify_keep(task, generator, verifier, greedy, folder, batch_problems=16).summary
            rates = per_problem_pass(read_jsonl(folder / "attempts.jsonl"))
            low, high = bootstrap_interval(list(rates.values()))
            rate, speed = 100 * summary["pass@1"], summary["this_session"]["tokens_per_s"]
            print(
                f"{setting}: greedy pass@1 {rate:.1f}% [{100 * low:.1f}, {100 * high:.1f}] on "
                f"{summary['problems']} test problems ({summary['unverifiable']} unverifiable), {speed} tok/s"
            )
    finally:
        generator.close()
        verifier.close()


if __name__ == "__main__":
    main()
