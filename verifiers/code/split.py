"""Split a test program into "call the candidate on these inputs" and "expect this value" (with `ast`).

A test program is split only when every statement is one of:
- an `assert` of a supported shape (below), at module level or in the body of HumanEval's
  `def check(candidate):`;
- an import (it runs in the sandbox before the calls: inputs may use it);
- HumanEval's `METADATA = {...}`, a docstring, `pass`, or the `check(...)` call itself.

Supported assert shapes, with E a trusted expression (below) and A anything else:
`A == E` / `E == A`, `A is True|False|None`, `A` / `not A`, `abs(A - E) < E` (or `<=`),
`math.isclose(A, E, rel_tol=E, abs_tol=E)`. An assert message is ignored.

Trusted expressions are evaluated here, outside the sandbox, by a small evaluator: literals,
tuples/lists/sets/dicts of them, unary minus, arithmetic on numbers (bounded powers) and calls of
`set frozenset tuple list dict float int str complex bool` on trusted arguments. Anything else
makes the whole program fall back to running as a whole in the sandbox (`mode: program`).
"""

from __future__ import annotations

import ast
import math
import operator
import warnings
from dataclasses import dataclass
from typing import Any

_CONSTRUCTORS = {
    "set": set, "frozenset": frozenset, "tuple": tuple, "list": list, "dict": dict, "float": float,
    "int": int, "str": str, "complex": complex, "bool": bool,
}  # fmt: skip
_BINARY = {
    ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv, ast.Mod: operator.mod, ast.Pow: operator.pow,
}  # fmt: skip
_MAX_EXPONENT = 4096


class Untrusted(ValueError):
    """The expression needs code to run: it cannot be evaluated on the trusted side."""


@dataclass(frozen=True)
class Check:
    """One assert: evaluate `actual` in the sandbox, compare here with `kind` and `expected`."""

    actual: str  # Python source, evaluated in the candidate's namespace (`candidate` bound)
    kind: str  # eq | is | truthy | falsy | close_abs | isclose
    expected: Any = None
    options: tuple[tuple[str, Any], ...] = ()  # tol / strict (close_abs), rel_tol / abs_tol (isclose)


@dataclass(frozen=True)
class SplitTests:
    imports: tuple[str, ...]
    checks: tuple[Check, ...]


def split_tests(test_source: str, candidate_name: str = "candidate") -> SplitTests | None:
    """The checks of a test program, or None when it must run as a whole."""
    module = parse_quietly(test_source)
    if module is None:
        return None
    imports: list[str] = []
    checks: list[Check] = []
    for statement in module.body:
        if isinstance(statement, ast.FunctionDef) and statement.name == "check":
            inner = _check_body(statement, candidate_name, imports)
            if inner is None:
                return None
            checks += inner
        elif not _module_statement(statement, imports, checks):
            return None
    return SplitTests(tuple(imports), tuple(checks)) if checks else None


def parse_quietly(source: str) -> ast.Module | None:
    """The module's tree, or None if it does not parse; no warnings about its invalid escapes."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return ast.parse(source)
        except (SyntaxError, ValueError):
            return None


def _check_body(function: ast.FunctionDef, candidate_name: str, imports: list[str]) -> list[Check] | None:
    args = function.args.args
    if len(args) != 1:
        return None
    checks: list[Check] = []
    for statement in function.body:
        if _ignorable(statement):
            continue
        if isinstance(statement, ast.Assert):
            check = _split_assert(statement, rename=(args[0].arg, candidate_name))
            if check is None:
                return None
            checks.append(check)
        elif isinstance(statement, ast.Import | ast.ImportFrom):
            imports.append(ast.unparse(statement))
        else:
            return None
    return checks


def _module_statement(statement: ast.stmt, imports: list[str], checks: list[Check]) -> bool:
    if _ignorable(statement):
        return True
    if isinstance(statement, ast.Assert):
        check = _split_assert(statement)
        if check is not None:
            checks.append(check)
        return check is not None
    if isinstance(statement, ast.Import | ast.ImportFrom):
        imports.append(ast.unparse(statement))
        return True
    if isinstance(statement, ast.Assign) and [ast.unparse(t) for t in statement.targets] == ["METADATA"]:
        return True
    is_check_call = (
        isinstance(statement, ast.Expr)
        and isinstance(statement.value, ast.Call)
        and ast.unparse(statement.value.func) == "check"
    )
    return is_check_call


def _ignorable(statement: ast.stmt) -> bool:
    """Docstrings, `pass` and `assert True` (HumanEval's debugging lines) check nothing."""
    docstring = isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant)
    assert_true = isinstance(statement, ast.Assert) and ast.unparse(statement.test) == "True"
    return docstring or assert_true or isinstance(statement, ast.Pass)


def _split_assert(statement: ast.Assert, rename: tuple[str, str] | None = None) -> Check | None:
    test = statement.test
    if rename and rename[0] != rename[1]:
        test = _Rename(*rename).visit(test)
    try:
        return _shape(test)
    except Untrusted:
        return None


def _shape(test: ast.expr) -> Check | None:
    if isinstance(test, ast.Compare) and len(test.ops) == 1:
        left, op, right = test.left, test.ops[0], test.comparators[0]
        if isinstance(op, ast.Eq):
            if _is_trusted(right):
                return Check(ast.unparse(left), "eq", trusted_value(right))
            if _is_trusted(left):
                return Check(ast.unparse(right), "eq", trusted_value(left))
            return None
        if isinstance(op, ast.Is) and isinstance(right, ast.Constant) and right.value in (True, False, None):
            return Check(ast.unparse(left), "is", right.value)
        if isinstance(op, ast.Lt | ast.LtE) and _is_abs_difference(left):
            actual, expected = left.args[0].left, left.args[0].right
            options = (("tol", trusted_value(right)), ("strict", isinstance(op, ast.Lt)))
            return Check(ast.unparse(actual), "close_abs", trusted_value(expected), options)
        return None
    if isinstance(test, ast.Call) and ast.unparse(test.func) == "math.isclose" and len(test.args) == 2:
        options = tuple((kw.arg, trusted_value(kw.value)) for kw in test.keywords if kw.arg)
        if len(options) != len(test.keywords):
            return None
        return Check(ast.unparse(test.args[0]), "isclose", trusted_value(test.args[1]), options)
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not) and _calls_something(test.operand):
        return Check(ast.unparse(test.operand), "falsy")
    if _calls_something(test):
        return Check(ast.unparse(test), "truthy")
    return None


def _is_abs_difference(node: ast.expr) -> bool:
    return (
        isinstance(node, ast.Call)
        and ast.unparse(node.func) == "abs"
        and len(node.args) == 1
        and isinstance(node.args[0], ast.BinOp)
        and isinstance(node.args[0].op, ast.Sub)
        and _is_trusted(node.args[0].right)
    )


def _calls_something(node: ast.expr) -> bool:
    return any(isinstance(child, ast.Call) for child in ast.walk(node))


def _is_trusted(node: ast.expr) -> bool:
    try:
        trusted_value(node)
    except Untrusted:
        return False
    return True


def trusted_value(node: ast.expr) -> Any:
    """Evaluate a trusted expression without running any code; `Untrusted` otherwise."""
    try:
        return _trusted(node)
    except TypeError as exc:  # an unhashable set member or dict key, a bad constructor argument
        raise Untrusted(ast.unparse(node)) from exc


def _trusted(node: ast.expr) -> Any:
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Tuple | ast.List | ast.Set):
        items = [trusted_value(item) for item in node.elts]
        return {ast.Tuple: tuple, ast.List: list, ast.Set: set}[type(node)](items)
    if isinstance(node, ast.Dict) and None not in node.keys:
        return {trusted_value(k): trusted_value(v) for k, v in zip(node.keys, node.values)}
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        value = trusted_value(node.operand)
        if not isinstance(value, int | float | complex) or isinstance(value, bool):
            raise Untrusted(ast.unparse(node))
        return -value if isinstance(node.op, ast.USub) else value
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        left, right = trusted_value(node.left), trusted_value(node.right)
        numbers = all(isinstance(v, int | float) and not isinstance(v, bool) for v in (left, right))
        if not numbers or (isinstance(node.op, ast.Pow) and abs(right) > _MAX_EXPONENT):
            raise Untrusted(ast.unparse(node))
        try:
            return _BINARY[type(node.op)](left, right)
        except (ArithmeticError, ValueError) as exc:
            raise Untrusted(ast.unparse(node)) from exc
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in _CONSTRUCTORS:
        if node.keywords or len(node.args) > 1:
            raise Untrusted(ast.unparse(node))
        args = [trusted_value(arg) for arg in node.args]
        if (
            node.func.id in ("float", "int", "complex")
            and args
            and not isinstance(args[0], str | int | float)
        ):
            raise Untrusted(ast.unparse(node))
        return _CONSTRUCTORS[node.func.id](*args)
    if isinstance(node, ast.Attribute) and ast.unparse(node) in ("math.pi", "math.e", "math.inf"):
        return getattr(math, node.attr)
    raise Untrusted(ast.unparse(node))


class _Rename(ast.NodeTransformer):
    def __init__(self, old: str, new: str):
        self.old, self.new = old, new

    def visit_Name(self, node: ast.Name) -> ast.Name:
        return ast.copy_location(ast.Name(self.new, node.ctx), node) if node.id == self.old else node
