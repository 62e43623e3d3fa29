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
