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
    skipped, and a marked line that is not a non-empty JSON list is kept as ["malformed"]."""
    found = []
    prefix = marker + " "
    for line in stdout.split("\n"):  # the harness ends records with "\n" only; see str.splitlines
        if line.startswith(prefix):
            try:
                record = json.loads(line[len(prefix) :])
            except (ValueError, RecursionError):
                record = None
            found.append(record if isinstance(record, list) and record else ["malformed"])
    return found


@dataclass(frozen=True)
class Outcome:
    status: str  # correct | incorrect | unverifiable
    # passed | wrong_answer | exception | load_error | tests_not_run | malformed_output | unsafe_to_judge
    reason: str
    detail: str = ""

    @property
    def passed(self) -> bool:
        return self.status == "correct"


def _failed(reason: str, detail: str) -> Outcome:
    return Outcome("incorrect", reason, detail)


_BAD_PAYLOAD = (TypeError, ValueError, KeyError, IndexError, OverflowError, RecursionError, AttributeError)


def _well_formed(found: list) -> list[list]:
    return [record if isinstance(record, list) and record else ["malformed"] for record in found]


def _brief(value, limit: int = 80) -> str:
    try:
        return str(value)[:limit]
    except RecursionError:
        return "a value nested too deep to print"


def judge_values(found: list[list], checks: tuple[Check, ...]) -> Outcome:
    found = _well_formed(found)
    if found and found[0][0] == "load_error":
        return _failed("load_error", _brief(": ".join(map(_brief, found[0][1:])), 300))
    results: dict[int, list] = {}
    for record in found:
        if record == ["end", len(checks)]:
            continue
        if len(record) != 2 or type(record[0]) is not int or record[0] in results:
            return _failed("malformed_output", f"unexpected record {_brief(record)}")
        results[record[0]] = record[1]
    if ["end", len(checks)] not in found or sorted(results) != list(range(len(checks))):
        return _failed("tests_not_run", f"{len(results)} of {len(checks)} checks reported")
    for index, check in enumerate(checks):
        payload = results[index]
        if isinstance(payload, list) and payload[:1] == ["raise"]:
            return _failed("exception", f"check {index + 1}: {_brief(payload[1:2])}")
        try:
            ok = payload[0] == "value" and compare(check, decode(payload[1]))
        except _BAD_PAYLOAD:
            ok = False
        if not ok:
            return _failed("wrong_answer", f"check {index + 1} of {len(checks)}: {check.actual[:80]}")
    return Outcome("correct", "passed", f"{len(checks)} checks")


def judge_program(found: list[list]) -> Outcome:
    found = _well_formed(found)
    if not found:
        return _failed("tests_not_run", "the test program did not finish")
    if len(found) > 1:
        return _failed("malformed_output", f"{len(found)} records")
    record = found[0]
    detail = _brief(": ".join(map(_brief, record[1:])), 300)
    if record == ["passed"]:
        return Outcome("correct", "passed")
    if record[0] == "unverifiable":
        return Outcome("unverifiable", "unsafe_to_judge", detail)
    if record[0] == "load_error":
        return _failed("load_error", detail)
    if record[0] == "failed":
        return _failed("wrong_answer" if record[1:2] == ["AssertionError"] else "exception", detail)
    return _failed("malformed_output", f"unexpected record {_brief(record)}")


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
