"""Selection: at most K rows per problem from everything accepted so far, without exact or
near-identical repeats (the same response, whitespace and case aside, or a difflib ratio at or
above `near_duplicate_ratio` against a row already kept for that problem)."""

from __future__ import annotations

import difflib


def select(rows: list[dict], max_per_problem: int, near_duplicate_ratio: float) -> tuple[list[dict], int]:
    """At most K rows per problem, in order, without exact or near-identical repeats.
    Returns the kept rows and how many were dropped as duplicates."""
    kept: dict[str, list[dict]] = {}
    duplicates = 0
    for row in rows:
        group = kept.setdefault(row["problem_id"], [])
        text = _normalized(row["messages"][-1]["content"])
        if any(
            _similar(text, _normalized(other["messages"][-1]["content"]), near_duplicate_ratio)
            for other in group
        ):
            duplicates += 1
        elif len(group) < max_per_problem:
            group.append(row)
    return [row for group in kept.values() for row in group], duplicates


def _normalized(text: str) -> str:
    return " ".join(text.lower().split())


def _similar(a: str, b: str, ratio: float) -> bool:
    if a == b:
        return True
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    return matcher.quick_ratio() >= ratio and matcher.ratio() >= ratio
