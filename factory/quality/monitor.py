"""Drift and collapse monitor: what the accepted data of a round looks like, and whether it is
contracting (the entropy of self-trained data falls round after round, the outputs crowd onto a
few modes). Per round, over that round's accepted responses (sampled and rationalized):
- `distinct_1/2/3`: distinct word n-grams over all n-grams (Li et al., 2016);
- `self_similarity`: mean pairwise cosine of one problem's accepted responses, averaged over
  problems with two or more;
- `answer_entropy`: Shannon entropy (bits) of the final answers a problem's attempts extracted,
  averaged over problems (every attempt, right or wrong: a model collapsing onto one answer
  shows here first);
- `length`: mean, median and 90th percentile of response words;
- `kl_vs_anchors`, `kl_vs_round0`: KL(accepted || reference) of word unigram distributions, with
  add-one smoothing over the union vocabulary, against the human anchors and round 0's data.

`Bounds` turn figures into warnings: distinct-2 below `min_distinct_2_vs_round0` of round 0's,
self-similarity above `max_self_similarity`, or answer entropy below `min_answer_entropy_vs_round0`
of round 0's. With `stop: true` the loop ends after a round that breaches one.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import combinations

import numpy as np

from factory.quality.text import words


@dataclass(frozen=True)
class Bounds:
    min_distinct_2_vs_round0: float = 0.7
    max_self_similarity: float = 0.98
    min_answer_entropy_vs_round0: float = 0.5
    stop: bool = False


def distinct(texts: Sequence[str], n: int) -> float:
    grams, total = set(), 0
    for text in texts:
        tokens = words(text)
        for i in range(len(tokens) - n + 1):
            grams.add(tuple(tokens[i : i + n]))
            total += 1
    return round(len(grams) / total, 4) if total else 0.0


def unigrams(texts: Sequence[str]) -> Counter:
    return Counter(token for text in texts for token in words(text))


def kl_divergence(p: Counter, q: Counter) -> float | None:
    """KL(p || q) in bits, add-one smoothed over the union vocabulary."""
    if not p or not q:
        return None
    vocabulary = set(p) | set(q)
    p_total, q_total = sum(p.values()) + len(vocabulary), sum(q.values()) + len(vocabulary)
    return round(
        sum(
            ((p[w] + 1) / p_total) * math.log2(((p[w] + 1) / p_total) / ((q[w] + 1) / q_total))
            for w in vocabulary
        ),
        4,
    )


def self_similarity(responses_by_problem: dict[str, list[str]], embedder) -> float | None:
    scores = []
    for responses in responses_by_problem.values():
        if len(responses) > 1:
            matrix = embedder.embed(responses)
            scores.append(
                np.mean([float(matrix[i] @ matrix[j]) for i, j in combinations(range(len(responses)), 2)])
            )
    return round(float(np.mean(scores)), 4) if scores else None


def answer_entropy(attempts: Sequence[dict]) -> float | None:
    by_problem: dict[str, Counter] = {}
    for record in attempts:
        by_problem.setdefault(record["problem_id"], Counter())[record.get("extracted")] += 1
    entropies = []
    for counts in by_problem.values():
        total = sum(counts.values())
        entropies.append(-sum(c / total * math.log2(c / total) for c in counts.values()))
    return round(float(np.mean(entropies)), 4) if entropies else None


def figures(
    rows: Sequence[dict], attempts: Sequence[dict], embedder, anchors: Counter, round0: Counter | None
) -> dict:
    """The monitor's figures for one round's accepted rows and its sampling attempts."""
    responses = [row["messages"][-1]["content"] for row in rows]
    by_problem: dict[str, list[str]] = {}
    for row, text in zip(rows, responses):
        by_problem.setdefault(row["problem_id"], []).append(text)
    lengths = np.array([len(words(text)) for text in responses]) if responses else np.zeros(0)
    mine = unigrams(responses)
    return {
        "rows": len(rows),
        **{f"distinct_{n}": distinct(responses, n) for n in (1, 2, 3)},
        "self_similarity": self_similarity(by_problem, embedder),
        "answer_entropy": answer_entropy(attempts),
        "length_mean": round(float(lengths.mean()), 1) if len(lengths) else None,
        "length_p50": float(np.percentile(lengths, 50)) if len(lengths) else None,
        "length_p90": float(np.percentile(lengths, 90)) if len(lengths) else None,
        "kl_vs_anchors": kl_divergence(mine, anchors),
        "kl_vs_round0": kl_divergence(mine, round0) if round0 is not None else None,
    }


def breaches(now: dict, round0: dict | None, bounds: Bounds) -> list[str]:
    """The bounds this round's figures cross, each as a sentence."""
    found = []
    similarity = now.get("self_similarity")
    if similarity is not None and similarity > bounds.max_self_similarity:
        found.append(f"self-similarity {similarity} above {bounds.max_self_similarity}")
    if round0:
        for key, bound in (
            ("distinct_2", bounds.min_distinct_2_vs_round0),
            ("answer_entropy", bounds.min_answer_entropy_vs_round0),
        ):
            first, current = round0.get(key), now.get(key)
            if first and current is not None and current < bound * first:
                found.append(f"{key} {current} below {bound} x round 0's {first}")
    return found
