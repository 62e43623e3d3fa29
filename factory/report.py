"""The readable end of a run: a summary table on the terminal."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table


def render_summary(summary: dict, console: Console | None = None) -> None:
    console = console or Console()
    table = Table(title=f"{summary['task']} · {summary['model']}", show_header=True)
    table.add_column("metric")
    table.add_column("value", justify="right")
    session = summary["this_session"]
    rows = [
        ("problems", summary["problems"]),
        (
            "attempts (correct / incorrect / unverifiable)",
            f"{summary['attempts']} "
            f"({summary['correct']} / {summary['incorrect']} / {summary['unverifiable']})",
        ),
        ("pass@1", _pct(summary["pass@1"])),
        (f"pass@{summary['samples_per_problem']}", _pct(summary[f"pass@{summary['samples_per_problem']}"])),
        ("solved problems", f"{summary['solved']} / {summary['problems']}"),
        ("train rows selected (sampled + rationalized)", summary["train_rows"]),
        ("tokens (all sessions)", summary["tokens"]),
        ("this session: attempts, wall", f"{session['attempts']}, {session['wall_s']:.1f} s"),
        ("this session: tokens/s", session["tokens_per_s"]),
    ]
    for name, value in rows:
        table.add_row(name, str(value))
    console.print(table)
    if summary.get("rounds"):
        console.print(_rounds_table(summary["rounds"], summary["samples_per_problem"]))
        if any(r.get("quality") for r in summary["rounds"]):
            console.print(_quality_table(summary["rounds"]))


def _quality_table(rounds: list[dict]) -> Table:
    """What the quality steps dropped and what the monitor measured, per round."""
    table = Table(title="quality: rows dropped (step: reason count) and the monitor")
    columns = ("round", "dropped", "novelty p5/p50/p95", "distinct-2", "self-sim", "answer H", "warnings")
    for column in columns:
        table.add_column(column, justify="right")
    for r in rounds:
        if not r.get("quality"):
            continue
        dropped = ", ".join(
            f"{step}: {reason} {count}" for step, reasons in r["quality"]["dropped"].items()
            for reason, count in reasons.items()
        ) or "none"  # fmt: skip
        novelty = r["quality"].get("novelty") or {}
        band = "/".join(str(novelty.get(k, "")) for k in ("p5", "p50", "p95")) if novelty.get("rows") else ""
        monitor = r.get("monitor") or {}
        table.add_row(
            str(r["round"]), dropped, band,
            *(str(monitor.get(k, "")) for k in ("distinct_2", "self_similarity", "answer_entropy")),
            str(len(r.get("monitor_breaches") or [])),
        )  # fmt: skip
    return table


def _rounds_table(rounds: list[dict], n: int) -> Table:
    table = Table(title="STaR rounds")
    # kept: accepted from sampling + from rationalization; held-out: pass@1 on the held-out task
    columns = ("round", "pass@1", f"pass@{n}", "solved", "kept", "leaks", "selected", "held-out [95% CI]",
               "greedy [95% CI]", "greedy gain vs base [95% CI]", "loss")  # fmt: skip
    for column in columns:
        table.add_column(column, justify="right")
    for r in rounds:
        leaks = sum(r.get("hint_leak_rejections", {}).values())
        accepted = (
            f"{r['accepted_sampling']} + {r['accepted_rationalization']}" if "accepted_sampling" in r else ""
        )
        table.add_row(
            str(r["round"]),
            _pct(r.get("pass@1")),
            _pct(r.get(f"pass@{n}")),
            f"{r['solved']}/{r['problems']}" if "solved" in r else "",
            accepted,
            str(leaks) if "accepted_sampling" in r else "",
            str(r.get("selected_rows", "")),
            _with_interval(r.get("heldout_pass@1"), r.get("heldout_pass@1_ci95")),
            _with_interval(r.get("heldout_greedy_pass@1"), r.get("heldout_greedy_pass@1_ci95")),
            _gain(r.get("heldout_greedy_gain_vs_base")),
            "" if r.get("train_loss") is None else f"{r['train_loss']:.3f}",
        )
    return table


def _with_interval(rate: float | None, interval: list[float] | None) -> str:
    if rate is None:
        return "n/a"
    return _pct(rate) + (f" [{100 * interval[0]:.1f}, {100 * interval[1]:.1f}]" if interval else "")


def _gain(gain: dict | None) -> str:
    """A paired gain in points; "(noise)" when its interval holds zero."""
    if not gain:
        return ""
    low, high = gain["ci95"]
    noise = " (noise)" if low <= 0 <= high else ""
    return f"{100 * gain['diff']:+.1f} [{100 * low:+.1f}, {100 * high:+.1f}]{noise}"


def _pct(rate: float | None) -> str:
    return "n/a" if rate is None else f"{100 * rate:.1f}%"
