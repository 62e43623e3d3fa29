"""Procedural arithmetic problems with exact answers, for STaR runs a CPU can learn from.

The STaR paper's first experiment was n-digit addition: unlimited problems, exact answers, and a
difficulty one knob sets. Three forms, each with a gold scratchpad (the supervised baseline's rows):
- `expression`: `a*b-c`-style integer expressions of `steps` operations, the first always `*`,
  the others drawn from `operators` (default `+-`: one product, then sums and differences; `*+-`
  also chains products, `a*b*c`, which the embedded model never got right: 0 of 19), operands of
  `digits` digits (the last one `digits + 1`), read left to right with the usual precedence
  (`a*b-c` is `(a*b)-c`);
- `addition`: the sum of two `digits`-digit numbers, as in the STaR paper;
- `word`: `expression` in a templated sentence ("A shop has 47 boxes of 38 pens...").

Deterministic on every machine: problem i of a split is drawn from `random.Random("<seed>:<split>:
<form>:<digits>:<steps>:<i>")` (string seeds are hashed with SHA-512, stable across platforms and
Python versions). Train and test are disjoint by construction (different split names) and by check:
a test problem whose expression a train draw of the same settings also yields is skipped, for the
first `disjoint_check` train problems (the most any run here draws).

Not covered: division, negative operands, problems with more than one answer.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

OPERATORS = ("*", "+", "-")
DEFAULT_OPERATORS = "+-"  # after the first `*`; the calibrated default (bench/arith_calibration.py)
WORD_TEMPLATES = {
    2: "A shop has {0} boxes of {1} pens each and sells {2} pens. How many pens does it have left?",
}


@dataclass(frozen=True)
class ArithProblem:
    question: str
    expression: str
    answer: int
    scratchpad: str  # the gold solution, step by step, ending in \boxed{answer}


def draw(
    seed: int, split: str, index: int, form: str, digits: int, steps: int, operators: str = DEFAULT_OPERATORS
) -> ArithProblem:
    rng = random.Random(f"{seed}:{split}:{form}:{digits}:{steps}:{index}")
    if form == "addition":
        a, b = (rng.randint(10 ** (digits - 1), 10**digits - 1) for _ in range(2))
        return _problem(f"{a}+{b}", [a, b], ["+"], f"What is {a} + {b}?")
    operands = [rng.randint(10 ** (digits - 1), 10**digits - 1) for _ in range(steps)]
    operands.append(rng.randint(10**digits, 10 ** (digits + 1) - 1))
    chosen = ["*", *(rng.choice(operators) for _ in range(steps - 1))]
    if form == "word":  # the template sells what was bought: subtractions after the product
        chosen[1:] = ["-"] * (steps - 1)
    expression = "".join(f"{x}{op}" for x, op in zip(operands, chosen)) + str(operands[-1])
    if form == "word":
        spoken = WORD_TEMPLATES.get(steps, "What is {expression}?")
        return _problem(
            expression, operands, chosen, spoken.format(*operands, expression=_spaced(expression))
        )
    return _problem(expression, operands, chosen, f"What is {_spaced(expression)}?")


def _spaced(expression: str) -> str:
    return "".join(f" {char} " if char in OPERATORS else char for char in expression)


def _problem(expression: str, operands: list[int], operators: list[str], question: str) -> ArithProblem:
    steps: list[str] = []
    terms = _products(operands, operators, steps)
    total = terms[0][1]
    for sign, value in terms[1:]:
        before, total = total, total + value if sign == "+" else total - value
        steps.append(f"{before} {sign} {value} = {total}.")
    answer = eval(expression, {"__builtins__": {}})  # noqa: S307 - digits and + - * only, built here
    if total != answer:
        raise AssertionError(f"scratchpad {total} != {answer} for {expression}")
    scratchpad = " ".join(steps) + f" The answer is \\boxed{{{answer}}}."
    return ArithProblem(question, expression, answer, scratchpad.strip())


def _products(operands: list[int], operators: list[str], steps: list[str]) -> list[tuple[str, int]]:
    """Multiplications first, each a scratchpad step: the signed terms left to add up."""
    terms: list[tuple[str, int]] = [("+", operands[0])]
    for op, value in zip(operators, operands[1:]):
        if op == "*":
            sign, left = terms.pop()
            steps.append(f"{left} * {value} = {left * value}.")
            terms.append((sign, left * value))
        else:
            terms.append((op, value))
    return terms


def problems(
    seed: int,
    split: str,
    count: int,
    form: str,
    digits: int,
    steps: int,
    operators: str = DEFAULT_OPERATORS,
    disjoint_check: int = 10_000,
) -> list[ArithProblem]:
    """`count` distinct problems of a split; test problems never repeat a train expression."""
    if form not in ("expression", "addition", "word") or digits < 1 or steps < 1:
        raise ValueError(f"arith: unknown form {form!r} or digits/steps below 1 ({digits}, {steps})")
    if not operators or set(operators) - set(OPERATORS):
        raise ValueError(f"arith: operators {operators!r}: expected some of {''.join(OPERATORS)}")
    train = set()
    if split != "train":
        train = {
            draw(seed, "train", i, form, digits, steps, operators).expression for i in range(disjoint_check)
        }
    found: dict[str, ArithProblem] = {}
    index = 0
    while len(found) < count:
        problem = draw(seed, split, index, form, digits, steps, operators)
        index += 1
        if problem.expression not in train:
            found.setdefault(problem.expression, problem)
        if index > 100 * count + 1000:
            raise ValueError(f"arith: fewer than {count} distinct {form} problems at digits={digits}")
    return list(found.values())
