"""Regression table: published grader failures, each checked in both directions.

Sources: Math-Verify issues #14 (tiny values, equations, 'and' lists, ±, clock times, ellipses),
#26 (equivalent equations judged unequal), #37 (\\text{13} vs 13), #41 (4\\sqrt(2) == 4), #60 (two
different lines both parsed to 0); Qwen2.5-Math's grader (`1,-2` == `1,-3`); NeMo-Skills (`016` != 16).
"""

from __future__ import annotations

import pytest

from verifiers.math import MathVerifier

TABLE = [
    # (gold, predicted, expected status)
    ("\\frac{1}{2^{99}}", "\\frac{1}{2^{98}}", "incorrect"),
    ("\\frac{1}{2004!}", "\\frac{1}{2006!}", "incorrect"),
    ("\\frac{2^{2005}+1}{3 \\cdot 2^{2006}}", "\\frac{1}{3 \\cdot 2^{2006}}", "incorrect"),
    ("1 - \\frac{1}{\\mathrm{e}}", "1 + \\frac{1}{\\mathrm{e}}", "incorrect"),
    ("n=2, 3, 4", "n=1, 2, 3", "incorrect"),
    ("D = (0, 1)", "D = (0, 1.5)", "incorrect"),
    ("19, 46, \\text{ and } 82", "21, 36, and 82", "incorrect"),
    ("\\pm 2021", "2021", "incorrect"),
    ("12:00", "1:00", "incorrect"),
    ("1, 2, \\ldots, n", "1, 3, 5, \\ldots, 2n-1", "unverifiable"),
    ("1:2:3:\\ldots", "1:4:9:\\ldots", "unverifiable"),
    ("4", "4\\sqrt(2)", "incorrect"),
    ("3*x-1*y+13=0", "3x + 4y + 14=0", "incorrect"),
    ("1,-2", "1,-3", "incorrect"),
    ("(0, 1]", "(0, 1)", "incorrect"),
    ("\\begin{pmatrix} 1 \\\\ 2 \\end{pmatrix}", "\\begin{pmatrix} 1 \\\\ 3 \\end{pmatrix}", "incorrect"),
    ("\\sqrt{x^2}", "x", "incorrect"),
    ("x < 3", "x \\le 3", "incorrect"),
    ("x > 2", "x < 2", "incorrect"),
    # the same classes where the answers ARE equal: no false negatives bought with the fixes
    ("2x+4y-3=0", "y = -\\frac{1}{2}x + \\frac{3}{4}", "correct"),
    ("\\text{13}", "13", "correct"),
    ("016", "16", "correct"),
    ("\\frac{1}{2^{99}}", "2^{-99}", "correct"),
    ("\\pm 2021", "2021, -2021", "correct"),
    ("19, 46, \\text{ and } 82", "19, 46, 82", "correct"),
    ("n=2, 3, 4", "n = 2,3,4", "correct"),
    ("12:00", "12:00", "correct"),
    ("4\\sqrt{2}", "4\\sqrt(2)", "correct"),
    ("1,-2", "-2, 1", "correct"),
    ("[0, 1]", "[0,1]", "correct"),
    ("\\frac{\\sqrt{3}}{2}", "\\frac{\\sqrt3}{2}", "correct"),
    ("1 - \\frac{1}{e}", "\\frac{e-1}{e}", "correct"),
    ("x \\le 3", "x \\leq 3", "correct"),
    ("x > 2", "2 < x", "correct"),
]


@pytest.fixture(scope="module")
def verifier():
    v = MathVerifier(timeout_s=10.0, workers=2)
    yield v
    v.close()


@pytest.mark.parametrize("direction", ["gold->pred", "pred->gold"])
@pytest.mark.parametrize("gold,predicted,expected", TABLE)
def test_published_failure(verifier, gold, predicted, expected, direction):
    if direction == "pred->gold":
        gold, predicted = predicted, gold
    verdict = verifier.verify(f"The answer is \\boxed{{{predicted}}}.", gold)
    assert verdict.status == expected, verdict
