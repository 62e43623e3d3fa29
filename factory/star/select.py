"""Selection: at most K rows per problem, in order, from what the quality steps kept (duplicates
are the dedup step's, `factory.quality.dedup`)."""

from __future__ import annotations


def select(rows: list[dict], max_per_problem: int) -> list[dict]:
    kept: dict[str, list[dict]] = {}
    for row in rows:
        group = kept.setdefault(row["problem_id"], [])
        if len(group) < max_per_problem:
            group.append(row)
    return [row for group in kept.values() for row in group]
