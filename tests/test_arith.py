"""The procedural arithmetic task: deterministic, disjoint, exact, and its knobs do what they say."""

from __future__ import annotations

import re

import pytest

from factory import tasks
from factory.arith import problems
from verifiers.math import MathVerifier


def test_the_same_seed_gives_the_same_problems_on_every_machine():
    # Anchors: string seeds go through SHA-512 in `random`, the same on every platform.
    first = problems(0, "train", 3, "expression", 2, 2)
    assert [p.expression for p in first] == ["40*50-639", "62*73-608", "35*78+904"]
    chained = problems(0, "train", 2, "expression", 2, 2, operators="*+-")
    assert [p.expression for p in chained] == ["40*50+639", "62*73+608"]  # as before the knob
    assert problems(0, "train", 50, "expression", 2, 2) == problems(0, "train", 50, "expression", 2, 2)
    assert problems(1, "train", 5, "expression", 2, 2) != problems(0, "train", 5, "expression", 2, 2)


@pytest.mark.parametrize("form", ["expression", "addition", "word"])
def test_train_and_test_are_disjoint(form):
    train = {p.expression for p in problems(0, "train", 3000, form, 2, 2)}
    test = {p.expression for p in problems(0, "test", 500, form, 2, 2)}
    assert len(test) == 500 and not train & test


@pytest.mark.parametrize(
    "form,digits,steps", [("expression", 2, 2), ("expression", 3, 3), ("addition", 4, 1), ("word", 2, 2)]
)
def test_every_gold_is_the_exact_value_and_its_scratchpad_reaches_it(form, digits, steps):
    for p in problems(3, "train", 200, form, digits, steps, operators="*+-"):
        assert p.answer == _evaluate(p.expression)
        assert p.scratchpad.endswith(f"\\boxed{{{p.answer}}}.")


def _evaluate(expression: str) -> int:
    """Multiplications first, then left to right: written apart from the generator's own code."""
    terms = re.findall(r"[+-]?[^+-]+", expression)
    return sum(
        int(term[0] + "1") * _product(term.lstrip("+-")) if term[0] in "+-" else _product(term)
        for term in terms
    )


def _product(term: str) -> int:
    value = 1
    for factor in term.split("*"):
        value *= int(factor)
    return value


def test_the_operators_knob_keeps_products_out_after_the_first():
    plain = problems(0, "train", 300, "expression", 2, 3)
    assert all(p.expression.count("*") == 1 for p in plain)
    chained = problems(0, "train", 300, "expression", 2, 3, operators="*+-")
    assert any(p.expression.count("*") > 1 for p in chained)
    assert tasks.arith(count=2).name == "arith-expression-2d2s"
    assert tasks.arith(count=2, operators="*+-").name == "arith-expression-2d2s[*+-]"


def test_the_knobs_set_operand_sizes_and_operation_counts():
    for p in problems(0, "train", 100, "expression", 3, 3):
        operands = re.findall(r"\d+", p.expression)
        assert len(operands) == 4 and all(len(x) == 3 for x in operands[:3]) and len(operands[3]) == 4
    assert all(len(re.findall(r"\d+", p.expression)) == 2 for p in problems(0, "train", 50, "addition", 5, 1))


def test_the_task_is_disjoint_offset_stable_and_judged_right_by_the_real_verifier():
    task, heldout = tasks.arith(count=20), tasks.arith(split="test", count=20)
    assert not {p.id for p in task.problems} & {p.id for p in heldout.problems}
    assert tasks.arith(count=10, offset=10).problems == task.problems[10:]
    verifier = MathVerifier(last_number_fallback=dict(task.verifier_settings)["last_number_fallback"])
    try:
        solutions = dict(task.solutions)
        assert all(verifier.verify(solutions[p.id], p.gold).correct for p in task.problems)
        assert not verifier.verify("The answer is \\boxed{7}.", task.problems[0].gold).correct
    finally:
        verifier.close()


def test_bad_knobs_are_named():
    with pytest.raises(ValueError, match="unknown form 'division'"):
        problems(0, "train", 1, "division", 2, 2)
    with pytest.raises(ValueError, match="operators '/'"):
        problems(0, "train", 1, "expression", 2, 2, operators="/")
