"""What the rounds did to each problem, and a picture of held-out pass@1 per round.

`history.jsonl`: one row per train problem with the round it was first solved in, whether that
was by sampling or only with the hint (rationalization), and its pass rate in every round
(unverifiable attempts left out, as everywhere). `heldout_pass_at_1.png`: held-out pass@1 per
round, written when a held-out task was evaluated. `monitor.png`: the drift and collapse monitor's
figures per round (distinct-n, self-similarity, answer entropy, KL), when the quality layer ran.
"""

from __future__ import annotations

from pathlib import Path

from factory.rows import read_jsonl, write_jsonl_atomic
from factory.run_folder import RunFolder


def write_history(run_dir: Path, rounds: list[dict]) -> Path:
    folder = RunFolder(run_dir)
    problems: dict[str, dict] = {}
    for summary in rounds:
        if summary["round"] == "final":
            continue
        index = summary["round"]
        for stage in ("sample", "rationalize"):
            for attempt in read_jsonl(folder.round(index).stage(stage).attempts):
                entry = problems.setdefault(
                    attempt["problem_id"],
                    {
                        "problem_id": attempt["problem_id"],
                        "first_solved_round": None,
                        "first_solved_with_hint": None,
                        "pass_rate_by_round": {},
                        "_counts": {},
                    },
                )
                if stage == "sample":
                    counts = entry["_counts"].setdefault(index, [0, 0])
                    counts[0] += attempt["verdict"] == "correct"
                    counts[1] += attempt["verdict"] != "unverifiable"
                if attempt["verdict"] == "correct" and entry["first_solved_round"] is None:
                    entry["first_solved_round"], entry["first_solved_with_hint"] = (
                        index,
                        stage == "rationalize",
                    )
    for entry in problems.values():
        counts = entry.pop("_counts")
        entry["pass_rate_by_round"] = {str(r): round(c / n, 4) if n else None for r, (c, n) in counts.items()}
    write_jsonl_atomic(folder.history, problems.values())
    return folder.history


def plot_heldout(run_dir: Path, rounds: list[dict]) -> Path | None:
    if not any(r.get("heldout_pass@1") is not None for r in rounds):
        return None
    import matplotlib

    matplotlib.use("Agg")  # no display on servers
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(5, 3.2))
    for name, label in (("heldout", "sampled"), ("heldout_greedy", "greedy")):
        points = [r for r in rounds if r.get(f"{name}_pass@1") is not None]
        if not points:
            continue
        values = [100 * r[f"{name}_pass@1"] for r in points]
        intervals = [r.get(f"{name}_pass@1_ci95") or [r[f"{name}_pass@1"]] * 2 for r in points]
        errors = [
            [v - 100 * ci[0] for v, ci in zip(values, intervals)],
            [100 * ci[1] - v for v, ci in zip(values, intervals)],
        ]
        axes.errorbar(
            [str(r["round"]) for r in points], values, yerr=errors, marker="o", capsize=3, label=label
        )
    axes.legend(title="95% CI over problems")
    axes.set_xlabel("round (final: the model trained after the last round)")
    axes.set_ylabel("held-out pass@1 (%)")
    axes.set_title("STaR: held-out pass@1 per round")
    axes.grid(alpha=0.3)
    figure.tight_layout()
    path = RunFolder(run_dir).heldout_plot
    figure.savefig(path, dpi=120)
    plt.close(figure)
    return path


MONITOR_PANELS = (
    ("distinct_1 distinct_2 distinct_3", "distinct n-grams / all"),
    ("self_similarity", "mean cosine within a problem"),
    ("answer_entropy", "answer entropy (bits)"),
    ("kl_vs_anchors kl_vs_round0", "KL (bits)"),
)


def plot_monitor(run_dir: Path, rounds: list[dict]) -> Path | None:
    points = [r for r in rounds if r.get("monitor")]
    if not points:
        return None
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(1, len(MONITOR_PANELS), figsize=(13, 3))
    labels = [str(r["round"]) for r in points]
    for axis, (keys, title) in zip(axes, MONITOR_PANELS):
        for key in keys.split():
            values = [r["monitor"].get(key) for r in points]
            if any(v is not None for v in values):
                axis.plot(labels, [float("nan") if v is None else v for v in values], marker="o", label=key)
        axis.set_title(title, fontsize=9)
        axis.set_xlabel("round")
        axis.grid(alpha=0.3)
        if len(keys.split()) > 1:
            axis.legend(fontsize=7)
    figure.suptitle("accepted data per round: drift and collapse monitor", fontsize=10)
    figure.tight_layout()
    path = RunFolder(run_dir).monitor_plot
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return path
