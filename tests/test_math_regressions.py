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


# Issue 10: what a new user saw, each now decided right. (gold, response, expected status)
RESPONSES = [
    ("14916", "Final Answer: The final answer is $14{,}916$. I hope it is correct.", "correct"),
    ("13", "So the answer: $\\frac13$", "incorrect"),
    ("5", "we get $x \\geq 5$", "incorrect"),
    ("2", "z = 7i - 2", "incorrect"),
    ("1", "$\\begin{pmatrix} 1 \\\\ 2 \\end{pmatrix}$", "incorrect"),
    ("2", "the code AZYUK2A", "incorrect"),
    ("2", "so $x = \\frac{1+\\sqrt{5}}{2}$", "incorrect"),
    ("0", "\\boxed{}", "incorrect"),
    ("1,-2", "\\boxed{-2} and \\boxed{1}", "correct"),
    ("1,-2", "\\boxed{-2} then many words in between, more than forty characters... \\boxed{1}", "incorrect"),
    (
        "10455",
        "so $\\boxed{255}$. Final Answer: The final answer is $10,455$. I hope it is correct.",
        "correct",
    ),
    ("34", "Final Answer: The largest $n$ is 34.", "correct"),
    ("42", "# Answer\n\n42", "correct"),
    ("7", "**Answer:** 7", "correct"),
    ("5", "答案是 5", "correct"),
    ("12", "Die Antwort lautet 12.", "correct"),
    ("9", "Answer $ 9 $", "correct"),
    ("9", "Answer $ \n 9 \n $", "unverifiable"),  # inline math does not span lines: no answer read
]


@pytest.mark.parametrize("gold,response,expected", RESPONSES)
def test_issue_10_response(verifier, gold, response, expected):
    assert verifier.verify(response, gold).status == expected


# Answer pairs: symmetric, so each is checked in both directions.
PAIRS = [
    ("2", "2x", "incorrect"),
    ("3", "3i", "incorrect"),
    ("2", "2e", "incorrect"),
    ("3", "3k", "incorrect"),
    ("33", "33a", "incorrect"),
    ("5000000", "5 \\text{ million}", "correct"),
    ("5000", "5 \\text{ million}", "incorrect"),
    ("12", "12 \\text{ dollars}", "correct"),
    ("125 miles", "125", "correct"),
    ("\\frac{1}{3}", "\\frac{1}{3} \\textbf{meters}", "correct"),
    ("(0,9)", "[0,9)", "incorrect"),
    ("\\text{4:30 p.m.}", "16:30", "correct"),
    ("\\text{4:30 p.m.}", "4:30 a.m.", "incorrect"),
    ("0.5", "\\frac {1}{2}", "correct"),
    ("4 4/9", "\\frac{40}{9}", "correct"),
    ("4\\frac{4}{9}", "\\frac{40}{9}", "correct"),
    ("\\text{(E)}", "E", "correct"),
    ("\\text{(E)}", "D", "incorrect"),
    ("odd", "\\text{Odd}", "correct"),
    ("odd", "even", "incorrect"),
    ("3:2", "6:4", "correct"),
    ("3:2", "2:3", "incorrect"),
    ("\\frac{1}{3}", "0.3333", "correct"),
    ("\\frac{1}{3}", "0.33", "incorrect"),
    ("\\frac{2}{3}", "0.666", "incorrect"),  # truncated, not rounded
    ("1.22", "1,22", "correct"),
    ("1000", "1 000", "correct"),
    ("x = 5", "5", "correct"),
    ("x \\neq 5", "x != 5", "correct"),
    (
        "\\begin{pmatrix}0&1\\\\1&0\\end{pmatrix}",
        "\\begin{bmatrix} 0 & 1 \\\\ 1 & 0 \\end{bmatrix}",
        "correct",
    ),
    ("x = 2 \\text{ for all } y", "x = 2", "unverifiable"),
]


@pytest.mark.parametrize("direction", ["gold->answer", "answer->gold"])
@pytest.mark.parametrize("gold,answer,expected", PAIRS)
def test_issue_10_pair(verifier, gold, answer, expected, direction):
    if direction == "answer->gold":
        gold, answer = answer, gold
    assert verifier.verify(f"The answer is \\boxed{{{answer}}}.", gold).status == expected


def test_no_false_positive_on_the_labeled_grading_benchmark():
    """The 1,136 labeled cases of `bench/grading/` (math-verify's and NeMo-Skills' tables, 800 real
    Qwen2.5-Math outputs) through the real verifier, as `python -m bench.math_grading` runs them."""
    import json

    from bench.math_grading import CASES, run_ours, tally

    cases = [json.loads(line) for line in CASES.read_text().splitlines() if line.strip()]
    counts = tally(cases, run_ours(cases))
    assert counts["all"]["false_positive"] == 0
    assert counts["qwen25-math"]["right"] == 800 and counts["math-verify"]["right"] >= 262


@pytest.mark.parametrize("cut", ["Therefore, the final answer is \\(\\boxed", "The answer is $\\boxed{12"])
def test_a_box_cut_at_max_tokens_is_no_answer_not_unverifiable(verifier, cut):
    verdict = verifier.verify("1550 + 516 = 2066.\n\n" + cut, "2066")
    assert (verdict.status, verdict.reason) == ("incorrect", "no_answer")
