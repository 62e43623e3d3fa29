"""Pass rates. Unverifiable attempts are left out of every rate and counted on their own."""

from __future__ import annotations

from math import comb


def pass_at_k(n: int, c: int, k: int) -> float:
    """Unbiased pass@k (Chen et al., 2021): 1 - C(n-c, k) / C(n, k), for n samples with c correct."""
    if k > n:
        raise ValueError(f"pass@{k} needs at least {k} samples, got {n}")
    if n - c < k:
        return 1.0
    return 1.0 - comb(n - c, k) / comb(n, k)


def mean_pass_at_k(counts: list[tuple[int, int]], k: int) -> float | None:
    """Mean over problems of pass@k; (n, c) per problem, problems with fewer than k samples left out."""
    rates = [pass_at_k(n, c, k) for n, c in counts if n >= k]
    return sum(rates) / len(rates) if rates else None


def per_problem_pass(attempts: list[dict]) -> dict[str, float]:
    """Each problem's fraction of correct attempts; unverifiable attempts are left out (a problem
    with only unverifiable attempts is left out too)."""
    counts: dict[str, list[int]] = {}
    for record in attempts:
        if record["verdict"] != "unverifiable":
            seen = counts.setdefault(record["problem_id"], [0, 0])
            seen[0] += 1
            seen[1] += record["verdict"] == "correct"
    return {problem: correct / total for problem, (total, correct) in counts.items()}


def bootstrap_interval(values: list[float], resamples: int = 10_000, seed: int = 0) -> tuple[float, float]:
    """95% percentile-bootstrap interval of the mean of `values` (problems resampled, seeded)."""
    import numpy as np

    if not values:
        raise ValueError("no values to resample")
    data = np.asarray(values, dtype=float)
    picks = np.random.default_rng(seed).integers(0, len(data), size=(resamples, len(data)))
    means = data[picks].mean(axis=1)
    low, high = np.percentile(means, [2.5, 97.5])
    return round(float(low), 4), round(float(high), 4)


def paired_gain(
    new: dict[str, float], old: dict[str, float], resamples: int = 10_000, seed: int = 0
) -> dict | None:
    """new - old on the problems both were evaluated on: the mean difference and its 95% paired
    bootstrap interval (the same resampled problems for both), or None when they share none."""
    shared = sorted(set(new) & set(old))
    if not shared:
        return None
    differences = [new[p] - old[p] for p in shared]
    low, high = bootstrap_interval(differences, resamples, seed)
    mean = sum(differences) / len(differences)
    return {"diff": round(mean, 4), "ci95": [low, high], "problems": len(shared), "resamples": resamples}
