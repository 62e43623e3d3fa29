"""pass@k: the unbiased estimator agrees with brute-force enumeration."""

from __future__ import annotations

from itertools import combinations

import pytest

from factory.metrics import mean_pass_at_k, pass_at_k


@pytest.mark.parametrize("n,c,k", [(4, 0, 1), (4, 1, 1), (4, 1, 2), (8, 3, 4), (8, 8, 8), (5, 2, 5)])
def test_matches_enumeration_of_all_k_subsets(n, c, k):
    samples = [True] * c + [False] * (n - c)
    subsets = list(combinations(samples, k))
    assert pass_at_k(n, c, k) == pytest.approx(sum(any(s) for s in subsets) / len(subsets))


def test_problems_with_too_few_verifiable_samples_are_left_out():
    assert mean_pass_at_k([(4, 4), (1, 0)], 4) == 1.0
    assert mean_pass_at_k([(0, 0)], 1) is None
