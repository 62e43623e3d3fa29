"""Math verifier: extraction, the fast numeric path, the symbolic path, and its hard limits."""

from __future__ import annotations

import threading
import time

import pytest

from verifiers.math import MathVerifier
from verifiers.math.extract import extract_answer, last_boxed
from verifiers.math.policy import exact_number, without_units


@pytest.fixture(scope="module")
def verifier():
    v = MathVerifier(timeout_s=3.0, workers=2)
    yield v
    v.close()


@pytest.mark.parametrize(
    "text,expected,method",
    [
        ("So the total is \\boxed{72}.", "72", "boxed"),
        ("first \\boxed{1} then \\boxed{\\frac{1}{2}}", "\\frac{1}{2}", "boxed"),
        (
            "\\boxed{\\begin{pmatrix} 1 \\\\ 2 \\end{pmatrix}}",
            "\\begin{pmatrix} 1 \\\\ 2 \\end{pmatrix}",
            "boxed",
        ),
        ("The answer is $\\fbox{7}$", "7", "boxed"),
        ("thus \\boxed 5.", "5", "boxed"),
        ("She earns 18 per day.\n#### 18", "18", "marker"),
        ("She makes 9 * 2 = $<<9*2=18>>18 a day.\nA: 18", "18", "marker"),
        ("So, the final answer is 1,000.", "1,000", "answer_phrase"),
        ("Answer: the answer is $42$", "42", "answer_phrase"),
        ("3 apples and 4 pears make 7", "7", "last_number"),
    ],
)
def test_extracts_final_answer(text, expected, method):
    extraction = extract_answer(text, last_number_fallback=True)
    assert (extraction.answer, extraction.method) == (expected, method)


def test_unclosed_box_is_not_an_answer():
    assert last_boxed("so \\boxed{12") is None


def test_last_number_fallback_can_be_switched_off():
    assert extract_answer("3 apples and 4 pears make 7", last_number_fallback=False) is None


@pytest.mark.parametrize(
    "text,value",
    [
        ("1,234,567", 1234567),
        ("016", 16),
        ("0.50", 0.5),
        ("\\frac{3}{4}", 0.75),
        ("-\\dfrac{1}{2}", -0.5),
        ("\\$18", 18),
        ("50\\%", 50),
        ("18 eggs", 18),
        ("12 \\text{ dollars}", 12),
        ("3/4", 0.75),
    ],
)
def test_exact_number_policy(text, value):
    assert exact_number(without_units(text)[0])[0] == pytest.approx(value)


@pytest.mark.parametrize("text", ["1,2", "x+1", "\\sqrt{2}", "1,23"])
def test_not_plain_numbers(text):
    assert exact_number(text) is None


# (gold, model output, expected status): shapes seen in Qwen2.5 outputs on GSM8K and MATH.
@pytest.mark.parametrize(
    "gold,response,expected",
    [
        ("72", "Natalia sold 48 + 24 = 72 clips.\n\\boxed{72}", "correct"),
        ("72", "... so the answer is \\boxed{72.00}", "correct"),
        ("1000", "The total is \\boxed{1,000} dollars.", "correct"),
        ("10", "Weng earns \\boxed{\\$10}.", "correct"),
        ("18", "#### 18", "correct"),
        ("5", "\\boxed{6}", "incorrect"),
        ("5", "I am not sure.", "incorrect"),
        ("\\frac{1}{2}", "\\boxed{0.5}", "correct"),
        ("\\frac{\\sqrt{3}}{2}", "\\boxed{\\frac{\\sqrt3}{2}}", "correct"),
        ("x^2+2x+1", "\\boxed{(x+1)^2}", "correct"),
        ("(1,2)", "\\boxed{(1,3)}", "incorrect"),
        ("\\left( 3, \\frac{\\pi}{2} \\right)", "\\boxed{\\left(3, \\frac{\\pi}{2}\\right)}", "correct"),
        ("2\\sqrt{2}", "\\boxed{\\sqrt{8}}", "correct"),
        ("2\\sqrt{2}", "\\boxed{\\sqrt{7}}", "incorrect"),
    ],
)
def test_verdicts(verifier, gold, response, expected):
    assert verifier.verify(response, gold).status == expected


def test_no_answer_is_incorrect_with_reason(verifier):
    verdict = MathVerifier(last_number_fallback=False).verify("no idea", "5")
    assert (verdict.status, verdict.reason, verdict.extracted) == ("incorrect", "no_answer", None)


def test_unparseable_prediction_is_unverifiable_not_wrong(verifier):
    verdict = verifier.verify("\\boxed{@@@}", "x+1")
    assert (verdict.status, verdict.reason) == ("unverifiable", "parse_error"), verdict


def test_unparseable_gold_is_reported_as_such(verifier):
    verdict = verifier.verify("\\boxed{x+1}", "\\foo{")
    assert (verdict.status, verdict.reason) == ("unverifiable", "gold_unparseable"), verdict


def test_sympy_bomb_times_out_within_deadline_and_pool_goes_on(verifier):
    started = time.monotonic()
    verdict = verifier.verify("\\boxed{9^{9^{9^{9}}}}", "3")
    elapsed = time.monotonic() - started
    assert (verdict.status, verdict.reason) == ("unverifiable", "timeout")
    assert elapsed < verifier.settings.timeout_s + 2.0
    assert verifier.verify("\\boxed{(x+1)^2}", "x^2+2x+1").status == "correct"  # a fresh worker answers


def test_works_from_many_threads(verifier):
    results = []

    def check(i):
        results.append(verifier.verify(f"\\boxed{{({i}+1)^2}}", f"{i}^2+2*{i}+1").status)

    threads = [threading.Thread(target=check, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == ["correct"] * 8


def test_settings_hash_changes_with_settings():
    assert MathVerifier(timeout_s=1).settings_hash != MathVerifier(timeout_s=2).settings_hash


@pytest.mark.parametrize(
    "bomb",
    [
        "9^{9^{9^{9}}}",
        "1000000!",
        "\\sqrt{" * 60 + "2" + "}" * 60,
        " + ".join(f"x^{{{i}}}" for i in range(10000)),
    ],
    ids=["power-tower", "factorial", "nested-radicals", "10000-term-polynomial"],
)
def test_sympy_bombs_never_pass_and_never_overrun(verifier, bomb):
    started = time.monotonic()
    verdict = verifier.verify(f"\\boxed{{{bomb}}}", "3")
    assert time.monotonic() - started < verifier.settings.timeout_s + 2.0
    assert verdict.status in ("incorrect", "unverifiable"), verdict
