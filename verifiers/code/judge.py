"""The trusted side of the code verifier: read the records a sandboxed run wrote and judge them.

It never runs candidate code and shares no interpreter with it: the records arrive as text on the
run's stdout, framed by the per-run marker (`harness.py` writes them inside the sandbox), and the
expected values of `values` mode are compared here, outside the sandbox.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass

from verifiers.code.split import Check


def records(stdout: str, marker: str) -> list[list]:
    """The harness's records in order; lines without the marker (the program's own output) are
    skipped, and a marked line that is not valid JSON is kept as ["malformed"]."""
    found = []
    prefix = marker + " "
    for line in stdout.splitlines():
        if line.startswith(prefix):
            try:
                found.append(json.loads(line[len(prefix) :]))
            except ValueError:
                found.append(["malformed"])
    return found


@dataclass(frozen=True)
class Outcome:
    passed: bool
    reason: str  # passed | wrong_answer | exception | load_error | tests_not_run | malformed_output
    detail: str = ""


def judge_values(found: list[list], checks: tuple[Check, ...]) -> Outcome:
    if found and found[0][0] == "load_error":
        return Outcome(False, "load_error", ": ".join(map(str, found[0][1:])))
    results: dict[int, list] = {}
    for record in found:
        if record == ["end", len(checks)]:
            continue
        if len(record) != 2 or not isinstance(record[0], int) or record[0] in results:
            return Outcome(False, "malformed_output", f"unexpected record {str(record)[:80]}")
        results[record[0]] = record[1]
    if ["end", len(checks)] not in found or sorted(results) != list(range(len(checks))):
        return Outcome(False, "tests_not_run", f"{len(results)} of {len(checks)} checks reported")
    for index, check in enumerate(checks):
        payload = results[index]
        if payload[0] == "raise":
            return Outcome(False, "exception", f"check {index + 1}: {payload[1]}")
        try:
            ok = compare(check, decode(payload[1]))
        except (TypeError, ValueError, KeyError, IndexError, OverflowError):
            ok = False
        if not ok:
            return Outcome(False, "wrong_answer", f"check {index + 1} of {len(checks)}: {check.actual[:80]}")
    return Outcome(True, "passed", f"{len(checks)} checks")


def judge_program(found: list[list]) -> Outcome:
    if found and found[0][0] == "load_error":
        return Outcome(False, "load_error", ": ".join(map(str, found[0][1:])))
    if found == [["passed"]]:
        return Outcome(True, "passed")
    if len(found) == 1 and found[0][0] == "failed":
        reason = "wrong_answer" if found[0][1] == "AssertionError" else "exception"
        return Outcome(False, reason, ": ".join(map(str, found[0][1:])))
    if not found:
        return Outcome(False, "tests_not_run", "the test program did not finish")
    return Outcome(False, "malformed_output", f"{len(found)} records")


_SEQUENCES = {"l": list, "t": tuple, "S": set, "F": frozenset}


class _MatchObject:
    """Stands for a `re.Match` the candidate returned: truthy (always, and `re.Match` cannot be
    subclassed), equal to nothing but itself."""

    def __repr__(self) -> str:
        return "<re.Match>"


MATCH = _MatchObject()


def decode(encoded: list):
    tag = encoded[0]
    if tag == "b":
        return bool(encoded[1])
    if tag == "i":
        return int(encoded[1], 16)
    if tag == "m":
        return MATCH
    if tag == "f":
        return float.fromhex(encoded[1])
    if tag == "s":
        return str(encoded[1])
    if tag == "n":
        return None
    if tag == "c":
        return complex(float.fromhex(encoded[1]), float.fromhex(encoded[2]))
    if tag == "y":
        return bytes.fromhex(encoded[1])
    if tag in _SEQUENCES:
        return _SEQUENCES[tag](decode(item) for item in encoded[1])
    if tag == "d":
        return {decode(k): decode(v) for k, v in encoded[1]}
    raise ValueError(f"a value of type {encoded[1:]} cannot be compared")


def compare(check: Check, actual) -> bool:
    options = dict(check.options)
    if check.kind == "eq":
        return bool(actual == check.expected)
    if check.kind == "is":
        return actual is check.expected
    if check.kind == "truthy":
        return bool(actual)
    if check.kind == "falsy":
        return not actual
    if check.kind == "close_abs":
        difference = abs(actual - check.expected)
        return bool(difference < options["tol"] if options["strict"] else difference <= options["tol"])
    if check.kind == "isclose":
        return math.isclose(actual, check.expected, **options)
    raise ValueError(f"unknown check kind {check.kind}")
