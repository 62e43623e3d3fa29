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
        ("train rows kept", summary["train_rows"]),
        ("tokens (all sessions)", summary["tokens"]),
        ("this session: attempts, wall", f"{session['attempts']}, {session['wall_s']:.1f} s"),
        ("this session: tokens/s", session["tokens_per_s"]),
    ]
    for name, value in rows:
        table.add_row(name, str(value))
    console.print(table)


def _pct(rate: float | None) -> str:
    return "n/a" if rate is None else f"{100 * rate:.1f}%"
