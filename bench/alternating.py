"""Wall-clock timing of command lines as a user runs them, alternating between tools so drift on
the machine hits each alike; shared by the command-line speed benches."""

from __future__ import annotations

import statistics
import subprocess
import time
from collections.abc import Callable


def time_alternating(commands: dict[str, list[str]], repeat: int, count: Callable[[str], int]):
    """({name: [seconds per run]}, {name: count(name) after its last run}), `repeat` rounds of
    every command in turn; a command that fails stops the bench."""
    times: dict[str, list[float]] = {name: [] for name in commands}
    counted: dict[str, int] = {}
    for _ in range(repeat):
        for name, command in commands.items():
            started = time.perf_counter()
            subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            times[name].append(time.perf_counter() - started)
            counted[name] = count(name)
    return times, counted


def report(times: dict[str, list[float]], total: int, unit: str, counted: dict[str, int], what: str) -> None:
    """Each command's median and its runs; then ours over the other, in items per second."""
    for name, runs in times.items():
        median = statistics.median(runs)
        print(
            f"{name:<17} {total} {unit}, median {median:.2f} s ({total / median:.1f} {unit}/s) "
            f"of {[round(t, 2) for t in runs]}, {counted[name]} {what}"
        )
    ours, other = list(times)
    ratio = statistics.median(times[other]) / statistics.median(times[ours])
    print(f"{ours} / {other}, {unit} per second through the command line: {ratio:.1f}x")
