"""The README's STaR tables, recomputed from committed held-out attempts.

    .venv/bin/python -m bench.star_figures export RUN_DIR NAME   # copy a run's held-out attempts
    .venv/bin/python -m bench.star_figures table NAME [NAME...]  # print the tables

`export` copies each evaluated model's held-out attempt logs (sampled and greedy, every round and
the final model) and each round's `round.json` from a run folder into
`bench/results/star/NAME/`, small enough to commit. `table` recomputes from those files alone, with
the loop's own functions and settings (per-problem pass rates, unverifiable attempts left out;
95% percentile bootstraps over problems, 10,000 resamples, seed 0; gains paired on the same
problems): each model's greedy and sampled pass@1 with its interval, and its greedy gain over the
base model and over the model before it, flagged `(noise)` when the interval holds zero.
"""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

from factory.metrics import bootstrap_interval, paired_gain, per_problem_pass
from factory.rows import read_jsonl

RESULTS = Path(__file__).parent / "results" / "star"
PASSES = {"heldout": "heldout", "heldout_greedy": "heldout-greedy"}


def export(run: Path, name: str) -> Path:
    target = RESULTS / name
    rounds = sorted(p for p in run.glob("round-*") if (p / "round.json").is_file())
    for folder in rounds:
        for stage in PASSES.values():
            _copy(folder / stage / "attempts.jsonl", target / folder.name / stage / "attempts.jsonl")
        _copy(folder / "round.json", target / folder.name / "round.json")
    for stage in PASSES.values():
        _copy(run / f"final-{stage}" / "attempts.jsonl", target / "final" / stage / "attempts.jsonl")
    return target


def _copy(source: Path, target: Path) -> None:
    if source.is_file():
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)


def models(name: str) -> list[tuple[str, Path]]:
    """(label, folder) of every evaluated model of a run, base first, the final model last."""
    root = RESULTS / name
    rounds = sorted((p for p in root.glob("round-*")), key=lambda p: int(p.name.split("-")[1]))
    found = [(f"M{i}", p) for i, p in enumerate(rounds) if (p / "heldout-greedy").is_dir()]
    if (root / "final").is_dir():
        found.append((f"M{len(rounds)} (final)", root / "final"))
    return found


def _rates(folder: Path, stage: str) -> dict[str, float] | None:
    path = folder / stage / "attempts.jsonl"
    return per_problem_pass(read_jsonl(path)) if path.is_file() else None


def _interval(rates: dict[str, float] | None) -> str:
    if not rates:
        return ""
    low, high = bootstrap_interval(list(rates.values()))
    return f"{100 * sum(rates.values()) / len(rates):.1f}% [{100 * low:.1f}, {100 * high:.1f}]"


def _gain(new: dict | None, old: dict | None) -> str:
    gain = paired_gain(new, old) if new and old else None
    if gain is None:
        return ""
    low, high = gain["ci95"]
    noise = " (noise)" if low <= 0 <= high else ""
    return f"{100 * gain['diff']:+.1f} [{100 * low:+.1f}, {100 * high:+.1f}]{noise}"


def table(name: str) -> str:
    lines = [
        f"`{name}`",
        "",
        "| model | held-out problems | greedy pass@1 [95% CI] | sampled pass@1 [95% CI] "
        "| greedy gain vs base | greedy gain vs previous |",
        "|---|---|---|---|---|---|",
    ]
    evaluated = models(name)
    greedy = [_rates(folder, PASSES["heldout_greedy"]) for _, folder in evaluated]
    for i, (label, folder) in enumerate(evaluated):
        sampled = _rates(folder, PASSES["heldout"])
        lines.append(
            f"| {label} | {len(greedy[i] or {})} | {_interval(greedy[i])} | {_interval(sampled)} "
            f"| {_gain(greedy[i], greedy[0]) if i else ''} | {_gain(greedy[i], greedy[i - 1]) if i else ''} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    verbs = parser.add_subparsers(dest="verb", required=True)
    exporting = verbs.add_parser("export")
    exporting.add_argument("run", type=Path)
    exporting.add_argument("name")
    tabling = verbs.add_parser("table")
    tabling.add_argument("names", nargs="+")
    args = parser.parse_args()
    if args.verb == "export":
        print(f"exported to {export(args.run, args.name)}")
        return
    for name in args.names:
        print(table(name) + "\n")


if __name__ == "__main__":
    main()
