"""A code problem's gold: its tests, the setup code before the candidate, and the entry point.

Parsed once per problem (by `factory.tasks` or the verifier command line) from the rows of the
benchmarks' own files; a row that cannot be read raises `RowError` naming its place and field.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass

from factory.rows import RowError, text_field


@dataclass(frozen=True)
class CodeGold:
    tests: str  # a test program: asserts, or HumanEval's `def check(candidate)`
    setup: str = ""  # code that runs before the response (HumanEval's prompt, its imports and helpers)
    entry_point: str | None = None  # the function `check(candidate)` receives

    def to_json(self) -> str:
        """The form written beside every attempt (`gold` in the attempt log)."""
        return json.dumps(asdict(self), sort_keys=True)


def mbpp_gold(row: dict, where: str) -> tuple[CodeGold, list[str]]:
    """An MBPP row's tests (imports, setup code, asserts) and its asserts alone; full MBPP
    (`test_setup_code`) and sanitized MBPP (`test_imports`) alike."""
    asserts = row.get("test_list")
    if not isinstance(asserts, list) or not asserts or not all(isinstance(a, str) for a in asserts):
        raise RowError(f"{where}: field 'test_list': expected a non-empty list of assert strings")
    imports = row.get("test_imports") or []
    tests = "\n".join([*imports, row.get("test_setup_code") or "", *asserts]).strip() + "\n"
    return CodeGold(tests=tests), asserts


def humaneval_gold(row: dict, where: str) -> CodeGold:
    """A HumanEval row's gold: `prompt` is the setup, `test` the check, `entry_point` the function."""
    stub, tests, entry = (text_field(row, name, where) for name in ("prompt", "test", "entry_point"))
    return CodeGold(tests=tests, setup=stub, entry_point=entry)
