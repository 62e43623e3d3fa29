"""Final-answer extraction from free-form model output: which text the model gave as its answer.

Covered, in priority order (the first kind found wins; within a kind, the last occurrence):
1. `\\boxed{...}` / `\\fbox{...}` (nested braces, `\\boxed 5`); the last box, and the run of boxes
   before it that only a connector separates (`\\boxed{-2} and \\boxed{1}`), so the verifier can
   join them when the gold has several answers;
2. end markers: GSM8K's `#### X`, PRM800K's `# Answer` followed by the answer's line, and `A: X`
   at a line start (GSM8K's own model solutions);
3. an answer phrase: `The final answer is $X$. I hope it is correct.` (Minerva), `the answer is
   X`, `Answer: X`, `**Final Answer:** X`, `Answer $X$` on its own line, and the same in Chinese,
   Japanese, Korean, German, French, Spanish, Portuguese, Italian, Russian, Indonesian and
   Turkish. A math span (`$X$`, `\\(X\\)`, `\\[X\\]`) after the phrase is taken whole; otherwise
   the sentence, and of a sentence "the largest $n$ is 34" what follows its last "is", of a
   sentence in prose ("Jane started 3 hours ago") its lone number. A phrase after the last box,
   with a digit in its answer, wins over the box ("\\boxed{255} ... The final answer is 10,455");
4. a bold span (`**X**`) on the last non-empty line;
5. only when a task asks for it (`last_number_fallback=True`, e.g. GSM8K, whose answers are
   integers): the last number that stands alone (`18`, `2/3`): not part of a word (`AZYUK2A`), a
   LaTeX command (`\\frac13`), a brace group (`\\frac{1+\\sqrt{5}}{2}`), a power, a product with a
   letter (`7i`) or an expression (`x \\geq 5`, `7i - 2`, a matrix's `1 \\\\ 2`); or, when it ends
   later, the last math span with math in it and no prose (`$x \\geq 5$`, `$(7, 6)$`).
A box the response never closed (a response cut at `max_tokens`) gives no answer, never a
fragment to parse. Not covered: answers given only in words ("the answer is twelve"); deciding
which of several unmarked candidates a model meant.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_BOX_RE = re.compile(r"\\(?:boxed|fbox)\s*(\{|[^\s{])")
_HASHES_RE = re.compile(r"^[ \t]*####[ \t]*(\S[^\n]*)", re.MULTILINE)
_PRM_ANSWER_RE = re.compile(r"^[ \t]*#[ \t]*Answer[ \t]*\n\s*(\S[^\n]*)", re.MULTILINE | re.IGNORECASE)
_A_COLON_RE = re.compile(r"^A:[ \t]*(\S[^\n]*)", re.MULTILINE)
# An answer word, then a colon or a verb ("the final answer is", "答案是", "Antwort:"): the word alone
# ("to find the answer, ...") is not a phrase.
_ANSWER_WORDS = (
    r"(?:the\s+)?(?:final\s+|correct\s+)?answer|(?:最终|最終)?答案|(?:最終的な)?答え|정답|antwort|"
    r"r[ée]ponse|respuesta|resposta|risposta|ответ|jawaban(?:nya)?|cevap"
)
_VERBS = r"is|是|为|為|は|은|는|lautet|ist|est|es|é|è|adalah|будет"
_PHRASE_RE = re.compile(
    rf"(?:{_ANSWER_WORDS})[ \t]*(?:(?:\*\*|__)[ \t]*)?"
    rf"(?:[:：]|(?:{_VERBS})(?=[\s:：$*\\(\[\d-]|$))[ \t]*[:：]?[ \t]*(?:\*\*|__)?[ \t]*"
    r"|^[ \t]*(?:[*_#>]+[ \t]*)?(?:final\s+)?answer[ \t]*(?=\$|\\\(|\\\[)",  # "Answer $9$" on its own line
    re.IGNORECASE | re.MULTILINE,
)
# "Final Answer: The largest $n$ is 34.": a sentence after the phrase gives its last "is" clause.
_IS_CLAUSE_RE = re.compile(r"^(?:[^$\n]|\$[^$\n]*\$)*?\s(?:is|are|equals)\s+", re.IGNORECASE)
# Display math may span lines; inline math ($...$, \(...\)) may not.
_MATH_SPAN_RE = re.compile(r"\$\$(.+?)\$\$|\$([^$\n]+?)\$|\\\(([^\n]+?)\\\)|\\\[(.+?)\\\]", re.DOTALL)
# A span the fallback may take as an answer: math in it (a command, a relation, a bracket), not prose.
_MATHY_RE = re.compile(r"\\[A-Za-z]|[\^_=<>()\[\]]")
_PROSE_RE = re.compile(r"[A-Za-z]{2,}\s+[A-Za-z]{2,}")
# Between two boxes that state one answer together: a connector, short ("and", ",", "or", "\\quad").
_BOX_CONNECTOR_RE = re.compile(r"\\quad|[,;&]|\band\b|\bor\b")
_SENTENCE_END_RE = re.compile(r"\.(?:\s|$)|\n|(?<=[^\d\s])\.$")
_UNCLOSED_BOX_RE = re.compile(r"[$\s]*(?:\\\(|\\\[)?\s*\\(?:boxed|fbox)")  # closed boxes were read first
_BOLD_RE = re.compile(r"\*\*([^*\n]+?)\*\*")
# A number standing alone: no word character, backslash, brace, power/subscript mark or slash
# touches it, and no operator or relation sits just before it.
_LONE_NUMBER_RE = re.compile(
    r"(?<![\w\\{}^_/.])(-?\d[\d,]*(?:\.\d+)?(?:/\d+)?)(?![\w{}^_/]|\.\d|\s*[*/^]|\s*\\(?:frac|times|cdot))"
)
_ATTACHED_UNIT_RE = re.compile(
    r"(\d)((?:cm|mm|km|kg|mg|ml|ft|lb|lbs|oz|mph|hrs?|mins?|secs?)\b|[a-zA-Z]{1,2}[²³])"
)
_EXPRESSION_BEFORE_RE = re.compile(r"(?:[-+*/^<>|&]|\\[a-zA-Z]+|\\\\|[{}(\[])\s*$")


@dataclass(frozen=True)
class Extraction:
    answer: str
    method: str  # boxed | marker | answer_phrase | bold | last_number | last_span
    boxes: tuple[str, ...] = ()  # the boxes that state the answer together (joined by "and", ","...)


def all_boxed(text: str) -> list[str]:
    """The contents of every \\boxed{} / \\fbox{}, braces balanced, in order; unclosed ones skipped."""
    return [content for content, _, _ in _boxes(text)]


def joined_boxes(text: str) -> list[str]:
    """The last run of boxes that only connectors separate (`\\boxed{1} and \\boxed{2}`), in order."""
    boxes = _boxes(text)
    if not boxes:
        return []
    run = [boxes[-1]]
    for box in reversed(boxes[:-1]):
        between = text[box[2] : run[0][1]]
        if len(between) > 40 or not (_BOX_CONNECTOR_RE.search(between) or not between.strip(" $.\n\\()")):
            break
        run.insert(0, box)
    return [content for content, _, _ in run]


def _boxes(text: str) -> list[tuple[str, int, int]]:
    """(content, start, end) of each box."""
    found = []
    for match in _BOX_RE.finditer(text):
        if match.group(1) != "{":  # `\boxed 5`: one token follows
            token = (match.group(1) + text[match.end() :]).split(maxsplit=1)[0]
            found.append((token.rstrip("$."), match.start(), match.start(1) + len(token)))
            continue
        depth, start = 1, match.end()
        for i in range(start, len(text)):
            depth += {"{": 1, "}": -1}.get(text[i], 0)
            if depth == 0:
                found.append((text[start:i].strip(), match.start(), i + 1))
                break
    return found


def last_boxed(text: str) -> str | None:
    boxes = all_boxed(text)
    return boxes[-1] if boxes else None


def extract_answer(text: str, last_number_fallback: bool = False) -> Extraction | None:
    """The model's final answer, or None when the response gives none (an empty box is none)."""
    boxes, last_box_end = joined_boxes(text), max((end for _, _, end in _boxes(text)), default=-1)
    stated_after = _stated_answer(text, after=last_box_end) if boxes else None
    if stated_after is not None:  # "\boxed{255} ... The final answer is $10,455$": the last statement wins
        return stated_after
    if boxes:
        return Extraction(boxes[-1], "boxed", tuple(boxes)) if boxes[-1] else None
    for marker in (_HASHES_RE, _PRM_ANSWER_RE, _A_COLON_RE):
        found = marker.findall(text)
        if found:
            return _extraction(_answer_text(found[-1]), "marker")
    stated = _stated_answer(text)
    if stated is not None:
        return stated
    lines = [line for line in text.splitlines() if line.strip()]
    bold = _BOLD_RE.findall(lines[-1]) if lines else []
    if bold:
        return _extraction(_answer_text(bold[-1]), "bold")
    if last_number_fallback:
        return _last_number_or_span(text)
    return None


def _stated_answer(text: str, after: int = -1) -> Extraction | None:
    """The last answer phrase's answer; after a box, only one with a digit in it counts."""
    for phrase in reversed(list(_PHRASE_RE.finditer(text))):
        if phrase.start() <= after:
            return None
        answer = _answer_text(text[phrase.end() :])
        if answer and (after < 0 or any(char.isdigit() for char in answer)):
            return Extraction(answer, "answer_phrase")
    return None


def _extraction(answer: str, method: str) -> Extraction | None:
    return Extraction(answer, method) if answer else None


def _answer_text(after: str) -> str:
    """The answer at the start of `after`: a math span taken whole, else the sentence."""
    after = after.lstrip()
    if _UNCLOSED_BOX_RE.match(after):
        return ""  # a box the response never closed (cut at max_tokens): no answer was given
    span = _MATH_SPAN_RE.match(after)
    if span:
        return next(group for group in span.groups() if group is not None).strip()
    end = _SENTENCE_END_RE.search(after)
    sentence = after[: end.start()] if end else after
    clause = _IS_CLAUSE_RE.match(sentence)
    if clause and clause.end() < len(sentence):
        return _answer_text(sentence[clause.end() :])
    if _PROSE_RE.search(sentence) and (number := _last_number_or_span(sentence)) is not None:
        return number.answer  # "Final Answer: Jane started growing Sphere 3 hours ago."
    return sentence.strip().strip("*_").strip().rstrip(".").strip()


def _last_number_or_span(text: str) -> Extraction | None:
    """Whichever ends later: the last math span with math in it (not prose), or the last number,
    if it stands alone. None when the last digits belong to a word, a fraction or an expression
    outside any span (an earlier number is not the answer either)."""
    text = _ATTACHED_UNIT_RE.sub(r"\1 \2", text)  # `1,000.99m²`: the number, then its unit
    spans = [m for m in _MATH_SPAN_RE.finditer(text) if _span_answer(m)]
    span_end = spans[-1].end() if spans else -1
    digits = [i for i, char in enumerate(text) if char in "0123456789" and i >= span_end]
    lone = [m for m in _LONE_NUMBER_RE.finditer(text) if m.start() >= span_end]
    if digits:
        if not lone or lone[-1].end() <= digits[-1] or _EXPRESSION_BEFORE_RE.search(text[: lone[-1].start()]):
            return None
        return Extraction(lone[-1].group(1).rstrip(","), "last_number")
    return Extraction(_span_answer(spans[-1]), "last_span") if spans else None


def _span_answer(span: re.Match) -> str | None:
    content = next(group for group in span.groups() if group is not None).strip()
    mathy = _MATHY_RE.search(content) and not _PROSE_RE.search(
        re.sub(r"\\[A-Za-z]+(\{[^{}]*\})?", " ", content)
    )
    return content if mathy else None
