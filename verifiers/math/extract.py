"""Final-answer extraction from free-form model output.

Covered, in priority order: the last `\\boxed{...}` / `\\fbox{...}` (nested braces, `\\boxed 5`),
the last GSM8K `#### N` (or `A: N` at a line start), the last "the (final) answer is X" /
"Answer: X", and, unless switched off, the last number in the text. Not covered: answers split
across several boxes (the last one wins).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_BOX_RE = re.compile(r"\\(?:boxed|fbox)\s*(\{|[^\s{])")
_HASHES_RE = re.compile(r"####\s*([^\n]+)")
_A_COLON_RE = re.compile(r"^A:\s*(.+)$", re.MULTILINE)  # GSM8K's own model solutions end "A: 18"
_ANSWER_IS_RE = re.compile(
    r"(?:final answer|the answer)\s*(?:is|:)\s*:?\s*(.+?)(?:\.\s|\.?\s*$|\n)", re.IGNORECASE
)
_NUMBER_RE = re.compile(r"-?\d[\d,]*(?:\.\d+)?|-?\.\d+")


@dataclass(frozen=True)
class Extraction:
    answer: str
    method: str  # boxed | marker | answer_is | last_number


def last_boxed(text: str) -> str | None:
    """Content of the last \\boxed{} or \\fbox{}, braces balanced; None if absent or unclosed."""
    matches = list(_BOX_RE.finditer(text))
    for match in reversed(matches):
        if match.group(1) != "{":  # `\boxed 5`: one token follows
            return (match.group(1) + text[match.end() :]).split(maxsplit=1)[0].rstrip("$.")
        depth, start = 1, match.end()
        for i in range(start, len(text)):
            depth += {"{": 1, "}": -1}.get(text[i], 0)
            if depth == 0:
                return text[start:i].strip()
    return None


def extract_answer(text: str, last_number_fallback: bool = True) -> Extraction | None:
    boxed = last_boxed(text)
    if boxed:
        return Extraction(boxed, "boxed")
    for marker in (_HASHES_RE, _A_COLON_RE):
        found = marker.findall(text)
        if found:
            return Extraction(found[-1].strip(), "marker")
    stated = _ANSWER_IS_RE.findall(text)
    if stated:
        return Extraction(stated[-1].strip().strip("$").strip(), "answer_is")
    if last_number_fallback:
        numbers = _NUMBER_RE.findall(text)
        if numbers:
            return Extraction(numbers[-1], "last_number")
    return None
