"""Text views the quality steps share: a normalized form, word tokens, word n-grams and the
numbers a text states. Pure functions, no dependencies."""

from __future__ import annotations

import re
from collections import Counter

_WORD_RE = re.compile(r"[a-z]+|\d+(?:\.\d+)?|[^\sa-z\d]", re.IGNORECASE)
_NUMBER_RE = re.compile(r"(?<![\w.])\d[\d,]*(?:\.\d+)?")


def words(text: str) -> list[str]:
    """Lower-cased words, numbers and single symbols (`x^2+1` is `x ^ 2 + 1`)."""
    return _WORD_RE.findall(text.lower())


def normalized(text: str) -> str:
    return " ".join(words(text))


def ngrams(tokens: list[str], n: int) -> set[tuple[str, ...]]:
    """The word n-grams of a text; a text shorter than n is one gram of its own."""
    if len(tokens) < n:
        return {tuple(tokens)} if tokens else set()
    return {tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1)}


def numbers(text: str) -> Counter:
    """The numbers a text states (commas dropped), as a multiset: a paraphrase of a math problem
    keeps its quantities; another problem on the same template does not."""
    return Counter(match.replace(",", "") for match in _NUMBER_RE.findall(text))
