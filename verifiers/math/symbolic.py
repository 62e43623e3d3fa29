"""The symbolic layer of the math verifier. Runs inside a `DeadlinePool` worker, never in the caller.

Parsing is latex2sympy2_extended's, of each whole answer (math-verify's `parse` searches free text
and can match a prefix, or reduce `x = 2 \\text{ for all } ...` to its last equation); the
comparison is math-verify's `verify`, with the false-positive classes reported against it and its
peers closed around it:
- numbers are compared exactly when both are rational (math-verify rounds to 6 places, so
  `1/2^99` == `1/2^98` there), else by a relative tolerance of 1e-9, never by rounding;
- equations are compared as equations: `x = ...` forms by their right sides, others by
  `(lhs - rhs)` being proportional (math-verify reduces `3x-y+13=0` and `3x+4y+14=0` both to `0`);
- `\\sqrt(2)` is read as `\\sqrt{2}` (math-verify reads `4\\sqrt(2)` as 4);
- `-2 \\le x \\le 7` and `x \\in [-2, 7]` are the interval `[-2, 7]` (setting
  `inequality_as_interval`; math-verify's `allow_set_relation_comp`);
- `\\pm a` is the set `{a, -a}`, "a, b, and c" is the list `a, b, c`;
- clock times and ratios are decided by the surface policy (`policy.py`); a `:` that reaches
  this layer is unverifiable, never a quotient;
- quantified or conditional statements (`\\forall`, `\\text{ if }`, "for all", "such that")
  are decided only when identical, else unverifiable;
- answers with an ellipsis (`1, 3, 5, \\ldots`) are decided only when identical, else unverifiable;
- expressions with free symbols get a second opinion by evaluation at random points; when the
  two opinions disagree the verdict is unverifiable, never a silent pass or fail.
Everything else (sets, tuples, intervals open vs closed, matrices, inequalities) is math-verify's
`verify` with its own signal timeouts off: the pool's wall-clock deadline bounds every call.
"""

from __future__ import annotations

import logging
import random
import re

import sympy
from latex2sympy2_extended import NormalizationConfig

Verdict = tuple[str, str]  # (status, reason)
# math-verify warns that its signal timeouts are off; the pool's deadline replaces them on purpose.
logging.getLogger("math_verify").setLevel(logging.ERROR)

REL_TOL = 1e-9
# Units are the surface policy's (`policy.py`, never a single letter); equations are split here.
_NORMALIZATION = NormalizationConfig(
    basic_latex=True, units=False, malformed_operators=False, nits=True, boxed="none", equations=False
)
_ELLIPSIS_RE = re.compile(r"\\[lc]?dots|\.\.\.|…")
_CONDITION_RE = re.compile(
    r"\\(?:forall|exists|iff|implies|Rightarrow|Leftrightarrow|mid|text\{\s*(?:if|for|when|where|unless|such|or|otherwise)\b)"
    r"|\b(?:for all|such that|if and only if)\b"
)
_RELATION_RE = re.compile(r"\\(?:le|ge|leq|geq|neq|ne|approx)\b|<|>|\\lt|\\gt")
_NAME_RE = re.compile(r"^[A-Za-z](?:_\{?\w+\}?)?$")
_TEXT_RE = re.compile(r"\\text\{[^{}]*\}")


def compare(gold: str, predicted: str, inequality_as_interval: bool = True) -> Verdict:
    gold, predicted = prepare(gold, inequality_as_interval), prepare(predicted, inequality_as_interval)
    if _ELLIPSIS_RE.search(gold) or _ELLIPSIS_RE.search(predicted):
        return (
            ("correct", "string_equal")
            if _squash(gold) == _squash(predicted)
            else ("unverifiable", "ellipsis")
        )
    if _CONDITION_RE.search(gold) or _CONDITION_RE.search(predicted):
        return (
            ("correct", "string_equal")
            if _squash(gold) == _squash(predicted)
            else ("unverifiable", "conditional")
        )
    if ":" in _TEXT_RE.sub("", gold + predicted):
        return "unverifiable", "clock_or_ratio"
    gold_eq, predicted_eq = _split_equation(gold), _split_equation(predicted)
    if gold_eq and predicted_eq:
        return _compare_equations(gold_eq, predicted_eq)
    gold_parsed = _parse(gold)
    if gold_parsed is None:
        return "unverifiable", "gold_unparseable"
    predicted_parsed = _parse(predicted)
    if predicted_parsed is None:
        return "unverifiable", "parse_error"
    g, p = gold_parsed[0], predicted_parsed[0]
    if _is_number(g) and _is_number(p):
        return _compare_numbers(g, p)
    from math_verify import verify

    equal = verify(gold_parsed, predicted_parsed, timeout_seconds=None)
    return _second_opinion(g, p, equal)


def prepare(answer: str, inequality_as_interval: bool = True) -> str:
    """Rewrites that make common model LaTeX mean what the model meant."""
    text = answer.strip().strip("$").strip()
    text = re.sub(r"\\sqrt\s*\(([^()]*)\)", r"\\sqrt{\1}", text)
    text = re.sub(r"\\sqrt\s*([0-9a-zA-Z])", r"\\sqrt{\1}", text)  # TeX takes one token: \sqrt3
    text = re.sub(r"\\([dt]?frac)\s*([0-9a-zA-Z])\s*([0-9a-zA-Z])", r"\\\1{\2}{\3}", text)
    text = re.sub(r"\\([dt]?frac)\s*([0-9a-zA-Z])\s*\{", r"\\\1{\2}{", text)
    text = re.sub(r"\\([dt]?frac)\s*(\{[^{}]*\})\s*([0-9a-zA-Z])", r"\\\1\2{\3}", text)
    text = re.sub(r"\\mathrm\{e\}", "e", text)
    text = text.replace("!=", "\\neq ").replace(">=", "\\geq ").replace("<=", "\\leq ")
    text = re.sub(r",?\s*(?:\\text\{\s*and\s*\}|\band\b)\s*", ", ", text)
    if "\\begin" not in text:  # `-2 \\\\le x`: a doubled backslash before a command, escaped twice
        text = re.sub(r"\\\\(?=[a-zA-Z])", r"\\", text)
    if inequality_as_interval:
        text = _as_interval(text)
    if text.startswith("\\pm"):
        value = text[len("\\pm") :].strip()
        text = f"{value}, -({value})"
    return text


_LESS = {"<": "(", "\\lt": "(", "\\le": "[", "\\leq": "["}
_CHAINED_RE = re.compile(r"^(.+?)\s*(<|\\lt|\\leq|\\le)\s*([A-Za-z])\s*(<|\\lt|\\leq|\\le)\s*(.+)$")
_MEMBER_RE = re.compile(r"^[A-Za-z]\s*\\in\s*(.+)$")


def _as_interval(text: str) -> str:
    """`-2 \\le x \\le 7` and `x \\in [-2, 7]` both as the interval `[-2, 7]`."""
    if (member := _MEMBER_RE.match(text)) is not None:
        return member.group(1).strip()
    chained = _CHAINED_RE.match(text)
    if chained is None or any(op in chained.group(1) + chained.group(5) for op in ("<", ">", "\\le", "\\ge")):
        return text
    low, left, _, right, high = chained.groups()
    closing = {"(": ")", "[": "]"}[_LESS[right]]
    return f"{_LESS[left]}{low.strip()}, {high.strip()}{closing}"


def _parse(text: str) -> list | None:
    """[value, normalized text] for the whole answer, or None when it does not parse as a whole."""
    from latex2sympy2_extended import latex2sympy, normalize_latex
    from math_verify.grader import should_treat_as_complex

    normalized = normalize_latex(text, _NORMALIZATION)
    try:
        value = latex2sympy(
            normalized,
            is_real=not should_treat_as_complex(normalized),
            convert_degrees=False,
            normalization_config=None,
        )
    except Exception:  # noqa: BLE001 - the parser raises many kinds; any of them means "not read"
        return None
    return [value, normalized] if value is not None else None


def _is_number(value) -> bool:
    return isinstance(value, sympy.Expr) and not value.free_symbols and value.is_number


def _compare_numbers(a: sympy.Expr, b: sympy.Expr) -> Verdict:
    a, b = a.doit(), b.doit()  # unevaluated factorials, sums: to exact values where sympy can
    if a.is_Rational and b.is_Rational:
        return ("correct", "exact_equal") if a == b else ("incorrect", "exact_unequal")
    if sympy.simplify(a - b) == 0:
        return "correct", "symbolic_equal"
    return ("correct", "numeric_close") if _close(a, b) else ("incorrect", "numeric_unequal")


def _close(a: sympy.Expr, b: sympy.Expr) -> bool:
    """Relative tolerance in sympy's floats, whose exponent range does not underflow (1/2004!)."""
    difference = abs(sympy.N(a - b, 50))
    scale = max(abs(sympy.N(a, 50)), abs(sympy.N(b, 50)))
    return bool(difference <= REL_TOL * scale) if scale != 0 else bool(difference == 0)


def _second_opinion(gold, predicted, symbolic_equal: bool) -> Verdict:
    """Random-point evaluation for expressions in free symbols; disagreement is unverifiable."""
    symbols = sorted(
        getattr(gold, "free_symbols", set()) | getattr(predicted, "free_symbols", set()), key=str
    )
    if not symbols or not isinstance(gold, sympy.Expr) or not isinstance(predicted, sympy.Expr):
        return ("correct", "symbolic_equal") if symbolic_equal else ("incorrect", "symbolic_unequal")
    rng = random.Random(0)
    try:  # signs alternate so that |x| and x, or sqrt(x^2) and x, cannot agree by luck
        points = [
            {s: sympy.Rational((-1) ** k * rng.randint(50, 300), 100) for s in symbols} for k in range(4)
        ]
        numeric_equal = all(_close(gold.subs(point), predicted.subs(point)) for point in points)
    except (TypeError, ValueError, ZeroDivisionError):
        numeric_equal = symbolic_equal  # not evaluable at points: no second opinion to weigh
    if numeric_equal != symbolic_equal:
        return "unverifiable", "symbolic_numeric_disagree"
    return ("correct", "symbolic_equal") if symbolic_equal else ("incorrect", "symbolic_unequal")


def _split_equation(text: str) -> tuple[str, str] | None:
    if text.count("=") != 1 or _RELATION_RE.search(text):
        return None
    lhs, rhs = (side.strip() for side in text.split("="))
    return (lhs, rhs) if lhs and rhs else None


def _compare_equations(gold: tuple[str, str], predicted: tuple[str, str]) -> Verdict:
    if _NAME_RE.match(gold[0]) and _squash(gold[0]) == _squash(predicted[0]):
        return compare(gold[1], predicted[1])  # `x = 5`, `D = (0, 1)`, `n = 2, 3, 4`: the values decide
    sides = [_parse(side) for side in (*gold, *predicted)]
    if any(side is None or not isinstance(side[0], sympy.Expr) for side in sides):
        return "unverifiable", "parse_error"
    gold_zero, predicted_zero = sides[0][0] - sides[1][0], sides[2][0] - sides[3][0]
    if predicted_zero == 0 or gold_zero == 0:
        return "unverifiable", "degenerate_equation"
    ratio = sympy.simplify(gold_zero / predicted_zero)
    if not ratio.free_symbols and ratio != 0:
        return "correct", "equation_equivalent"
    return "incorrect", "equation_unequal"


def _squash(text: str) -> str:
    return re.sub(r"\s+|\\[,;!]|\\left|\\right", "", text)
