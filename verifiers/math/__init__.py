"""Math answer-equivalence verifier: correct / incorrect / unverifiable, each with a reason.

Owns: reading a final answer out of a response and deciding its equivalence to the gold, within
hard time and memory limits. Does not own: the gold's source (`factory.tasks` cuts GSM8K's
`#### N`, MATH's last box) or what happens to the verdict.

Layers, cheap to expensive:
1. Extraction (`extract.py`): the model's final answer and how it was found (the verdict's
   `mode`); none found is `incorrect: no_answer`. When the gold has several answers (`1, -2`) and
   the response boxed several, the boxes are joined (setting `join_boxes`).
2. Surface policy, in process, no sympy (`policy.py`): choice letters, word answers, clock
   times, ratios, and exact rationals (integers, decimals, `a/b`, `\\frac{a}{b}`, mixed numbers,
   units, currency, percent). Most GSM8K answers end here in microseconds. What the policy
   dropped to read a number (a unit, a percent sign) is the verdict's `detail`.
3. Symbolic path (`symbolic.py`), in a `DeadlinePool` worker: latex2sympy2_extended parses each
   whole answer (math-verify's own parse can match a prefix), math-verify's `verify` compares,
   and the comparison closes math-verify's known false positives. The pool's wall-clock deadline
   and memory cap bound every call, from any thread.

Settings (`MathVerifierSettings`, all in the settings hash stamped beside every verdict):
`last_number_fallback` (off unless a task asks: GSM8K does), `join_boxes`, `drop_units`,
`mixed_numbers`, `rounded_decimals`, `inequality_as_interval`, and the deadline and memory cap.

Not covered: answers that need the question to be read (units the question fixes, "in simplest
form" requirements), answers in words, and proofs.
"""

from __future__ import annotations

from concurrent.futures import Future
from dataclasses import asdict, dataclass

from verifiers import Problem, Verdict, done, settings_hash
from verifiers.math import policy
from verifiers.math._remote import compare
from verifiers.math.extract import Extraction, extract_answer, joined_boxes
from verifiers.pool import DeadlineExceeded, DeadlinePool, WorkerCrashed

__version__ = "0.2.0"  # 0.2: extraction formats, unit/choice/clock/ratio policy, whole-answer parsing


@dataclass(frozen=True)
class MathVerifierSettings:
    timeout_s: float = 5.0
    memory_mb: int = 2048
    last_number_fallback: bool = False
    join_boxes: bool = True
    drop_units: bool = True
    mixed_numbers: bool = True
    rounded_decimals: bool = True
    inequality_as_interval: bool = True


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
        last_number_fallback: bool | None = False,
        join_boxes: bool = True,
        drop_units: bool = True,
        mixed_numbers: bool = True,
        rounded_decimals: bool = True,
        inequality_as_interval: bool = True,
    ):
        # None ("as the task asks") is resolved by the composition root; alone it means off.
        fallback = bool(last_number_fallback)
        self.settings = MathVerifierSettings(
            timeout_s, memory_mb, fallback, join_boxes, drop_units, mixed_numbers, rounded_decimals,
            inequality_as_interval,
        )  # fmt: skip
        # Stamped on every verdict: computed once, the settings are frozen.
        self.settings_hash = settings_hash(self.version, asdict(self.settings))
        self._pool = DeadlinePool(workers, timeout_s, memory_mb, preload=("verifiers.math.symbolic",))

    def submit(self, problem: Problem, response: str) -> Future[Verdict]:
        return self._submit(response, problem.gold)

    def verify(self, response: str, gold: str) -> Verdict:
        return self._submit(response, gold).result()

    def _submit(self, response: str, gold: str) -> Future[Verdict]:
        extraction = extract_answer(response, self.settings.last_number_fallback)
        if extraction is None:
            return done(Verdict("incorrect", "no_answer", None))
        gold = gold_answer(gold, self.settings.join_boxes)
        extracted = self._answer(extraction, gold)
        gold, predicted, dropped = comparable_forms(gold, extracted, self.settings)
        fast = surface_verdict(gold, predicted, self.settings)
        if fast is not None:
            return done(_finished(fast, extracted, extraction.method, dropped))
        verdict: Future = Future()
        raw = self._pool.submit(compare, gold, predicted, self.settings.inequality_as_interval)
        raw.add_done_callback(
            lambda finished: verdict.set_result(
                _finished(_from_worker(finished), extracted, extraction.method, dropped)
            )
        )
        return verdict

    def _answer(self, extraction: Extraction, gold: str) -> str:
        boxes = list(dict.fromkeys(extraction.boxes))  # distinct, in order
        if self.settings.join_boxes and len(boxes) > 1 and len(top_level_parts(gold)) == len(boxes):
            return ", ".join(boxes)
        return extraction.answer

    def warm_up(self) -> None:
        """Start the symbolic workers in the background (the command line does, for a whole file)."""
        self._pool.warm_up()

    def close(self) -> None:
        self._pool.close()


def gold_answer(gold: str, join_boxes: bool = True) -> str:
    """The answer a gold states: its boxes (joined when several) if it has any; of a gold that is a
    whole solution (over 50 characters), its stated answer; else itself without `$`."""
    boxes = list(dict.fromkeys(box for box in joined_boxes(gold) if box))
    if boxes:
        return ", ".join(boxes) if join_boxes else boxes[-1]
    stated = extract_answer(gold) if len(gold) > 50 else None
    return stated.answer if stated is not None else gold.strip().strip("$").strip()


def comparable_forms(gold: str, predicted: str, settings: MathVerifierSettings) -> tuple[str, str, str]:
    """(gold, prediction, what was dropped): unit tails off, and `name = value` against a bare
    value reduced to the value."""
    dropped = []
    if settings.drop_units:
        (gold, gold_unit), (predicted, unit) = policy.without_units(gold), policy.without_units(predicted)
        dropped = [f"{side} dropped {what}" for side, what in (("gold", gold_unit), ("answer", unit)) if what]
    if "=" not in predicted and (gold_value := policy.named_value(gold)) is not None:
        gold = gold_value
    elif "=" not in gold and (predicted_value := policy.named_value(predicted)) is not None:
        predicted = predicted_value
    return gold, predicted, "; ".join(dropped)


def top_level_parts(answer: str) -> list[str]:
    """The comma-separated parts of an answer outside any bracket (`(1, 2)` is one part; the
    elements of a set `\\{1, 2\\}` are parts)."""
    answer = policy.squash(answer)
    if answer.startswith("\\{") and answer.endswith("\\}"):
        answer = answer[2:-2]
    elif answer.startswith("{") and answer.endswith("}"):
        answer = answer[1:-1]
    parts, depth, start = [], 0, 0
    for i, char in enumerate(answer):
        depth += 1 if char in "([{" else -1 if char in ")]}" else 0
        if char == "," and depth == 0:
            parts.append(answer[start:i])
            start = i + 1
    return [part for part in (*parts, answer[start:]) if part.strip()]


def surface_verdict(gold: str, predicted: str, settings: MathVerifierSettings) -> Verdict | None:
    """The verdict the surface policy reaches without sympy, or None when it cannot decide."""
    if policy.squash(gold) == policy.squash(predicted):
        return Verdict("correct", "string_equal", predicted)
    if not policy.squash(gold):  # a data defect, named as such: no answer equals an empty gold
        return Verdict("incorrect", "gold_empty", predicted)
    letter = policy.choice_letter(gold)
    if letter is not None:
        same = policy.choice_letter(predicted) == letter
        return Verdict(
            "correct" if same else "incorrect", "choice_equal" if same else "choice_unequal", predicted
        )
    word = policy.text_answer(gold)
    if word is not None and policy.exact_number(predicted) is None:
        same = policy.text_answer(predicted) == word
        return Verdict(
            "correct" if same else "incorrect", "text_equal" if same else "text_unequal", predicted
        )
    clocks = policy.clock_minutes(gold), policy.clock_minutes(predicted)
    if clocks[0] is not None and clocks[1] is not None:
        status = policy.compare_clocks(*clocks)
        reason = {"correct": "clock_equal", "incorrect": "clock_unequal", "unverifiable": "meridiem_missing"}
        return Verdict(status, reason[status], predicted)
    ratios = policy.ratio_terms(gold), policy.ratio_terms(predicted)
    if ratios[0] is not None or ratios[1] is not None:
        if ratios[0] is None or ratios[1] is None:
            return Verdict("unverifiable", "ratio_vs_number", predicted)
        same = policy.proportional(*ratios)
        return Verdict(
            "correct" if same else "incorrect", "ratio_equal" if same else "ratio_unequal", predicted
        )
    return _number_verdict(gold, predicted, settings)


def _number_verdict(gold: str, predicted: str, settings: MathVerifierSettings) -> Verdict | None:
    gold_read = policy.exact_number(gold, settings.mixed_numbers)
    predicted_read = policy.exact_number(predicted, settings.mixed_numbers)
    if (gold_read is None) != (predicted_read is None):  # `1,22` against `1.22`: a decimal comma
        gold_read = gold_read or policy.exact_number(gold, settings.mixed_numbers, decimal_comma=True)
        predicted_read = predicted_read or policy.exact_number(
            predicted, settings.mixed_numbers, decimal_comma=True
        )
    if gold_read is None or predicted_read is None:
        return None
    dropped = "; ".join(
        f"{side}: {what}" for side, (_, what) in (("gold", gold_read), ("answer", predicted_read)) if what
    )
    if gold_read[0] == predicted_read[0]:
        return Verdict("correct", "numeric_equal", predicted, detail=dropped or None)
    if settings.rounded_decimals and _rounds_to(gold, gold_read[0], predicted_read[0], predicted):
        return Verdict("correct", "rounded_equal", predicted, detail=dropped or None)
    return Verdict("incorrect", "numeric_unequal", predicted, detail=dropped or None)


def _rounds_to(gold: str, gold_value, predicted_value, predicted: str) -> bool:
    """One side is a decimal of 3+ significant digits within half a unit of its last place of the other."""
    for text, decimal, exact in (
        (predicted, predicted_value, gold_value),
        (gold, gold_value, predicted_value),
    ):
        places = policy.decimal_places(text)
        if places is not None and abs(decimal - exact) * 2 * 10**places <= 1:
            return True
    return False


def _finished(verdict: Verdict, extracted: str, method: str, dropped: str) -> Verdict:
    detail = "; ".join(part for part in (dropped, verdict.detail) if part) or None
    return Verdict(verdict.status, verdict.reason, extracted, mode=method, detail=detail)


def _from_worker(finished: Future) -> Verdict:
    exc = finished.exception()
    if exc is None:
        status, reason = finished.result()
        return Verdict(status, reason)
    if isinstance(exc, DeadlineExceeded):
        reason = "timeout"
    elif isinstance(exc, WorkerCrashed):
        reason = "worker_crashed"
    elif str(exc).startswith("MemoryError"):
        reason = "memory_limit"
    else:
        reason = "verifier_error"
    return Verdict("unverifiable", reason)
