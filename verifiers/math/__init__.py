"""Math answer-equivalence verifier: correct / incorrect / unverifiable, each with a reason.

Owns: reading a final answer out of a response and deciding its equivalence to the gold, within
hard time and memory limits. Does not own: the gold's source (`factory.tasks` cuts GSM8K's
`#### N`, MATH's last box) or what happens to the verdict.

Layers, cheap to expensive:
1. Extraction (`extract.py`): the model's final answer; none found is `incorrect: no_answer`.
2. Fast path, in process, no sympy: both sides read as exact rationals (integers, decimals,
   `a/b`, `\\frac{a}{b}`), compared exactly. Most GSM8K answers end here in microseconds.
3. Symbolic path (`symbolic.py`), in a `DeadlinePool` worker: math-verify parses both sides (LaTeX
   through latex2sympy2_extended); the comparison closes math-verify's known false positives.
   Its own `signal.alarm` timeouts are off; the pool's wall-clock deadline and memory cap bound
   every call instead, from any thread.

Number policy of the fast path (explicit, so a dataset can say what it accepted):
- thousands separators are dropped only in the `1,234,567` shape; `1,2` is not a number;
- leading zeros are ignored (`016` == 16); `0.50` == `1/2` (exact, no tolerance);
- a trailing percent sign, a leading currency sign and trailing unit words are dropped
  (`50\\%` == 50, `\\$18` == 18, `18 eggs` == 18): GSM8K-style golds carry none of them.

Not covered: answers that need the question to be read (units the question fixes, "in simplest
form" requirements), and proofs.
"""

from __future__ import annotations

import re
from concurrent.futures import Future
from dataclasses import asdict, dataclass
from fractions import Fraction

from verifiers import Problem, Verdict, done, settings_hash
from verifiers.math.extract import extract_answer
from verifiers.pool import DeadlineExceeded, DeadlinePool, WorkerCrashed

__version__ = "0.1.0"

_THOUSANDS_RE = re.compile(r"^-?\d{1,3}(,\d{3})+(\.\d+)?$")
_FRAC_RE = re.compile(r"^(-?)\\[dt]?frac\{(-?\d+)\}\{(-?\d+)\}$")
_SLASH_RE = re.compile(r"^-?\d+\s*/\s*\d+$")
_UNIT_TAIL_RE = re.compile(r"^(-?[\d.,]+)\s*(?:\\text\{[^{}]*\}|\\mbox\{[^{}]*\}|[a-zA-Z][a-zA-Z\s.]*)$")
_STRIP_TOKENS = ("\\!", "\\,", "\\;", "\\ ", "\\$", "$", "\\left", "\\right")


def _normalize(text: str) -> str:
    text = text.strip()
    for token in _STRIP_TOKENS:
        text = text.replace(token, "")
    text = text.strip().rstrip(".").strip()
    if text.startswith("\\text{") and text.endswith("}"):
        text = text[len("\\text{") : -1].strip()
    return text.replace("\\%", "").rstrip("%").strip()


def as_exact_number(text: str) -> Fraction | None:
    """The exact rational a plain numeric answer denotes, or None if it is not one."""
    text = _normalize(text)
    unit_match = _UNIT_TAIL_RE.match(text)
    if unit_match:
        text = unit_match.group(1).rstrip(".")
    if _THOUSANDS_RE.match(text):
        text = text.replace(",", "")
    frac = _FRAC_RE.match(text)
    if frac:
        sign, num, den = frac.groups()
        text = f"{sign}{num}/{den}"
    if not (_SLASH_RE.match(text) or re.fullmatch(r"-?(\d+\.?\d*|\.\d+)(e-?\d+)?", text)):
        return None
    try:
        return Fraction(text.replace(" ", ""))
    except (ValueError, ZeroDivisionError):
        return None


@dataclass(frozen=True)
class MathVerifierSettings:
    timeout_s: float = 5.0
    memory_mb: int = 2048
    last_number_fallback: bool = True


class MathVerifier:
    """`submit(problem, response)` for the factory (a Future, already done when the fast path
    decides); `verify(response, gold)` to check one response against a gold answer directly."""

    name = "math"
    kind = "math"
    version = __version__

    def __init__(
        self,
        timeout_s: float = 5.0,
        memory_mb: int = 2048,
        workers: int = 2,
        last_number_fallback: bool = True,
    ):
        self.settings = MathVerifierSettings(timeout_s, memory_mb, last_number_fallback)
        # Stamped on every verdict: computed once, the settings are frozen.
        self.settings_hash = settings_hash(self.version, asdict(self.settings))
        self._pool = DeadlinePool(
            workers, timeout_s, memory_mb, preload=("verifiers.math.symbolic", "math_verify")
        )

    def submit(self, problem: Problem, response: str) -> Future[Verdict]:
        return self._submit(response, problem.gold)

    def verify(self, response: str, gold: str) -> Verdict:
        return self._submit(response, gold).result()

    def _submit(self, response: str, gold: str) -> Future[Verdict]:
        extraction = extract_answer(response, self.settings.last_number_fallback)
        if extraction is None:
            return done(Verdict("incorrect", "no_answer", None))
        predicted = extraction.answer
        fast = _fast_verdict(gold, predicted)
        if fast is not None:
            return done(fast)
        from verifiers.math.symbolic import compare  # sympy: only when a symbolic check is needed

        verdict: Future = Future()
        raw = self._pool.submit(compare, gold, predicted)
        raw.add_done_callback(lambda finished: verdict.set_result(_from_worker(finished, predicted)))
        return verdict

    def close(self) -> None:
        self._pool.close()


def _fast_verdict(gold: str, predicted: str) -> Verdict | None:
    if _normalize(gold) == _normalize(predicted):
        return Verdict("correct", "string_equal", predicted)
    gold_number, predicted_number = as_exact_number(gold), as_exact_number(predicted)
    if gold_number is None or predicted_number is None:
        return None
    if gold_number == predicted_number:
        return Verdict("correct", "numeric_equal", predicted)
    return Verdict("incorrect", "numeric_unequal", predicted)


def _from_worker(done: Future, predicted: str) -> Verdict:
    exc = done.exception()
    if exc is None:
        status, reason = done.result()
        return Verdict(status, reason, predicted)
    if isinstance(exc, DeadlineExceeded):
        return Verdict("unverifiable", "timeout", predicted)
    if isinstance(exc, WorkerCrashed):
        return Verdict("unverifiable", "worker_crashed", predicted)
    if str(exc).startswith("MemoryError"):
        return Verdict("unverifiable", "memory_limit", predicted)
    return Verdict("unverifiable", "verifier_error", predicted)
