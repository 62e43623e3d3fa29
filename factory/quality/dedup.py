"""Dedup across the whole dataset (every problem, every round), first row kept:
- `exact`: the same problem and response text once normalized (case, spacing, punctuation runs);
- `near_duplicate`: MinHash (rensa, 128 permutations, word 5-gram shingles of problem and
  response together) with LSH candidates confirmed at an estimated Jaccard >= `jaccard`, and
  the problems' own MinHashes too: two problems' rows never collide on a shared response alone
  (a degenerate answer is the monitor's to see), and one problem listed twice under two IDs is
  caught;
- `semantic_duplicate`: embedding cosine >= `cosine` to a kept response of the same problem.
  Within a problem only: across problems a bag-of-tokens embedding sees shared wording, not
  shared content (two `a*b-c` answers differ only in their digits).
Replaces the difflib pairwise loop, quadratic in a problem's rows (`bench/dedup_speed.py` times
100k rows). rensa over datasketch: the same MinHash in Rust, an order of magnitude faster."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from factory.quality.steps import Item
from factory.quality.text import ngrams, normalized, words

SHINGLE = 5


def shingles(text: str) -> list[str]:
    return [" ".join(gram) for gram in ngrams(words(text), SHINGLE)]


class Dedup:
    name, version = "dedup", "1"

    def __init__(self, embedder=None, jaccard: float = 0.8, cosine: float = 0.98, num_perm: int = 128):
        self.embedder, self.jaccard, self.cosine, self.num_perm = embedder, jaccard, cosine, num_perm

    def prepare(self, items: Sequence[Item]) -> None:
        from rensa import RMinHashLSH

        self._seen: set[str] = set()
        self._lsh = RMinHashLSH(threshold=self.jaccard, num_perm=self.num_perm, num_bands=16)
        self._hashes: list[tuple] = []  # kept rows' (row, problem) MinHashes, by LSH key
        self._signature, questions = {}, {}
        for item in items:
            if item.question not in questions:
                questions[item.question] = self._minhash(item.question)
            self._signature[id(item)] = (
                self._minhash(item.question + "\n" + item.response),
                questions[item.question],
            )
        self._vectors = {}
        if self.embedder is not None and items:
            matrix = self.embedder.embed([item.response for item in items])
            self._vectors = {id(item): row for item, row in zip(items, matrix)}
        self._kept_vectors: dict[str, list[np.ndarray]] = {}

    def _minhash(self, text: str):
        from rensa import RMinHash

        minhash = RMinHash(num_perm=self.num_perm, seed=0)
        minhash.update(shingles(text))
        return minhash

    def keep(self, item: Item) -> bool | tuple[bool, str]:
        text = normalized(item.question) + "\n" + normalized(item.response)
        if text in self._seen:
            return False, "exact"
        minhash, question = self._signature[id(item)]
        for candidate in self._lsh.query(minhash):
            other, other_question = self._hashes[candidate]
            if other.jaccard(minhash) >= self.jaccard and other_question.jaccard(question) >= self.jaccard:
                return False, "near_duplicate"
        vector = self._vectors.get(id(item))
        group = self._kept_vectors.setdefault(item.problem_id, [])
        if vector is not None and group and float(np.max(np.stack(group) @ vector)) >= self.cosine:
            return False, "semantic_duplicate"
        self._seen.add(text)
        self._lsh.insert(len(self._hashes), minhash)
        self._hashes.append((minhash, question))
        if vector is not None:
            group.append(vector)
        return True
