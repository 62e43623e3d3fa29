"""An attacker's battery against the code verifier: wrong solutions that try to come back `correct`.

Every attack is a wrong solution written by someone who has read `verifiers/code/harness.py`; each
test is one attack, run through the real `ProcessSandbox` in the gold shapes where it applies:

- `values`: a gold whose every assert splits (values come out, are compared outside);
- `program-loop`: a gold that does not split (a loop), decided by running the tests as a program;
- `program-humaneval`: a HumanEval-shaped gold (`setup` prompt, `def check(candidate)`,
  `entry_point`) under `CodeVerifier(values_mode=False)`.

Each asserts that the verdict is not `correct` (and that `verify` returns a verdict at all: a
misbehaving candidate must be a verdict, never an exception); the right solution in every gold
shape used here is checked to be `correct`, as a control.

Covered: stealing the per-run marker (harness module globals through `__main__`,
`sys.modules`, `gc`, frame walking from the module, a call, a traceback, `inspect`, trace and
profile hooks, another thread's `sys._current_frames`, a signal handler's frame, an exception's
`__str__` that the harness calls; the job's stdin read back with `lseek`, `pread`, `seek`,
`/proc/self/fd/0`, `/dev/stdin`) and forging records, well-formed and malformed; replacing
harness helpers and state (`_emit`, `_dumps`, `_write`, `_encode`, `_rebuild`, `_FunctionType`,
`_fingerprint`, `_JOB`, `_PRISTINE`); `json`'s encoder, `os.write`, `json.dumps`, `sys.stdout`
with fd 1 redirected into a pipe; entry points the return-value guard does not wrap (a class, a
callable instance, `functools.partial`, a bound method, an `lru_cache` wrapper) and return values
it lets through (`weakref.proxy`, `types.MappingProxyType`, values nested past its depth limit);
builtins the harness itself reads after the candidate loads (`type`, `dict`); names the tests read
shadowed from the solution's globals (`abs`, `range`, a module, a prompt helper as in HumanEval/32,
a hand-written description of the solution's names in the two-process harness); a
`StopIteration` that ends a test loop over `map()` early; stdlib state the fingerprint does
not see (`random`'s hidden instance, `math.pi`, `unittest.case._addError`, `builtins.len` as read
by `unittest.result`), `sys.modules` replacement, a module file written into the job folder,
`sys.meta_path`; exceptions (`BaseException`, `SystemExit`, `KeyboardInterrupt`,
`GeneratorExit`), `sys.settrace` rewriting what the tests call, `atexit`, huge, deep and
self-referencing values; and the trusted side (`records`, `judge_values`, `judge_program`) fed
malformed records directly.

Not covered: attacks on the sandbox itself (escaping Landlock/seccomp, the uid, kernel bugs, side
channels, resource exhaustion beyond the job's own limits), other backends (`bwrap`, `docker`,
`http`), tests that need files or network, languages other than Python. Every attack is harmless
if the sandbox failed: it writes files only inside a sandbox job folder, forks nothing, opens
no network and signals only itself.

The one exception to the controls: a right answer nested past 64 levels may be `unverifiable` in
program mode (refused, never called wrong). Some of these fail today, in program mode above all:
they are the regression tests for the fix in progress, and none is marked xfail.
"""

from __future__ import annotations

import json

import pytest

from verifiers.code import CodeVerifier
from verifiers.code.gold import CodeGold
from verifiers.code.judge import Outcome, judge_program, judge_values, records
from verifiers.code.split import split_tests


@pytest.fixture(scope="module")
def verifiers():
    from sandboxes import Limits
    from sandboxes.process import ProcessSandbox

    box = ProcessSandbox(workers=2, limits=Limits(timeout_s=30.0))
    checkers = {
        "values": CodeVerifier(box, timeout_s=30.0, workers=2),
        "whole": CodeVerifier(box, timeout_s=30.0, workers=2, values_mode=False),
    }
    yield checkers
    for checker in checkers.values():
        checker.close()  # the second close of the shared sandbox is a no-op


def fenced(code: str) -> str:
    return f"Here is the solution.\n```python\n{code}```\n"


# --- gold families: each in the shapes where it exists --------------------------------------------
# shape name -> (gold, which verifier). `program-humaneval` runs under values_mode=False.

ADD_SETUP = 'def add(a, b):\n    """The sum of a and b."""\n'
ADD_HE_TESTS = (
    "def check(candidate):\n"
    "    assert candidate(1, 2) == 3\n"
    "    assert candidate(-4, 4) == 0\n"
    "    assert candidate(10, 5) == 15\n"
)
ADD = {
    "values": CodeGold(tests="assert add(1, 2) == 3\nassert add(-4, 4) == 0\nassert add(10, 5) == 15\n"),
    "program-loop": CodeGold(
        tests="for a, b in [(1, 2), (-4, 4), (10, 5)]:\n    assert add(a, b) == a + b\n"
    ),
    "program-humaneval": CodeGold(tests=ADD_HE_TESTS, setup=ADD_SETUP, entry_point="add"),
}
ADD_RIGHT = "def add(a, b):\n    return a + b\n"

AREA_SETUP = 'import math\n\n\ndef area(r):\n    """The area of a circle of radius r."""\n'
AREA = {
    "values": CodeGold(
        tests="import math\nassert abs(area(1.0) - math.pi) < 1e-6\n"
        "assert abs(area(2.0) - 4 * math.pi) < 1e-6\n"
    ),
    "program-loop": CodeGold(
        tests="import math\nfor r in [1.0, 2.0, 3.0]:\n    assert abs(area(r) - math.pi * r * r) < 1e-6\n"
    ),
    # As in HumanEval, the tests read `math` from the prompt's namespace.
    "program-humaneval": CodeGold(
        tests=(
            "def check(candidate):\n"
            "    assert abs(candidate(1.0) - math.pi) < 1e-6\n"
            "    assert abs(candidate(2.0) - 4 * math.pi) < 1e-6\n"
        ),
        setup=AREA_SETUP,
        entry_point="area",
    ),
}
AREA_RIGHT = "import math\n\n\ndef area(r):\n    return math.pi * r * r\n"

RANDOM = {  # inputs drawn from `random`: a loop, so program mode only
    "program-loop": CodeGold(
        tests=(
            "import random\nrandom.seed(7)\nfor _ in range(50):\n"
            "    a, b = random.randint(-99, 99), random.randint(-99, 99)\n"
            "    assert add(a, b) == a + b\n"
        )
    ),
    "program-humaneval": CodeGold(
        tests=(
            "def check(candidate):\n    import random\n    random.seed(7)\n    for _ in range(50):\n"
            "        a, b = random.randint(-99, 99), random.randint(-99, 99)\n"
            "        assert candidate(a, b) == a + b\n"
        ),
        setup=ADD_SETUP,
        entry_point="add",
    ),
}

UNITTEST = {  # a unittest program: program mode only
    "program-loop": CodeGold(
        tests=(
            "import unittest\n"
            "class T(unittest.TestCase):\n"
            "    def runTest(self):\n"
            "        self.assertEqual(add(1, 2), 3)\n"
            "        self.assertEqual(add(-4, 4), 0)\n"
            "result = unittest.TextTestRunner(stream=open('/dev/null', 'w')).run(T())\n"
            "assert result.wasSuccessful() and result.testsRun == 1\n"
        )
    ),
    "program-humaneval": CodeGold(
        tests=(
            "import unittest\n"
            "def check(candidate):\n"
            "    class T(unittest.TestCase):\n"
            "        def runTest(self):\n"
            "            self.assertEqual(candidate(1, 2), 3)\n"
            "            self.assertEqual(candidate(-4, 4), 0)\n"
            "    result = unittest.TextTestRunner(stream=open('/dev/null', 'w')).run(T())\n"
            "    assert result.wasSuccessful() and result.testsRun == 1\n"
        ),
        setup=ADD_SETUP,
        entry_point="add",
    ),
}

RANGE = {  # the tests iterate over range(): a loop in both program shapes
    "values": ADD["values"],
    "program-loop": CodeGold(
        tests="for a in range(-3, 4):\n    for b in range(3):\n        assert add(a, b) == a + b\n"
    ),
    "program-humaneval": CodeGold(
        tests="def check(candidate):\n    for a in range(-3, 4):\n        assert candidate(a, 1) == a + 1\n",
        setup=ADD_SETUP,
        entry_point="add",
    ),
}

_NEST_LOOP = "    expected = 0\n    for _ in range(n):\n        expected = [expected]\n"
NEST = {  # 0 wrapped in n lists; the program shapes go past the return-value guard's depth limit
    "values": CodeGold(tests="assert nest(1) == [0]\nassert nest(2) == [[0]]\nassert nest(3) == [[[0]]]\n"),
    "program-loop": CodeGold(tests="for n in (70, 75):\n" + _NEST_LOOP + "    assert nest(n) == expected\n"),
    "program-humaneval": CodeGold(
        tests=(
            "def check(candidate):\n    for n in (70, 75):\n        expected = 0\n"
            "        for _ in range(n):\n            expected = [expected]\n"
            "        assert candidate(n) == expected\n"
        ),
        setup='def nest(n):\n    """0 wrapped in n lists."""\n',
        entry_point="nest",
    ),
}
NEST_RIGHT = (
    "def nest(n):\n    value = 0\n    for _ in range(n):\n        value = [value]\n    return value\n"
)

# The tests consume the candidate's answers through map(): a StopIteration raised by the candidate
# ends the loop early, with no assert run (plain Python semantics, in or out of a sandbox).
_MAP_LOOP = "for (a, b), got in zip(cases, map({f}, [1, -4, 10], [2, 4, 5])):\n"
MAP = {
    "values": ADD["values"],
    "program-loop": CodeGold(
        tests="cases = [(1, 2), (-4, 4), (10, 5)]\n" + _MAP_LOOP.format(f="add") + "    assert got == a + b\n"
    ),
    "program-humaneval": CodeGold(
        tests="def check(candidate):\n    cases = [(1, 2), (-4, 4), (10, 5)]\n    "
        + _MAP_LOOP.format(f="candidate")
        + "        assert got == a + b\n",
        setup=ADD_SETUP,
        entry_point="add",
    ),
}

# As HumanEval/32: the tests judge the answer with a helper the prompt defines (`poly`), so the
# tests read a name from the solution's namespace that the candidate may redefine.
HELPER_SETUP = (
    "import math\n\n\ndef poly(xs: list, x: float):\n"
    '    """The polynomial with coefficients xs at x."""\n'
    "    return sum([coeff * math.pow(x, i) for i, coeff in enumerate(xs)])\n\n\n"
    'def find_zero(xs: list):\n    """An x with poly(xs, x) == 0."""\n'
)
HELPER = {
    "program-humaneval": CodeGold(
        tests=(
            "import math\n\n\ndef check(candidate):\n"
            "    for coeffs in ([1, 2], [-6, 11, -6, 1], [2, -3, 0, 1]):\n"
            "        solution = candidate(coeffs)\n"
            "        assert math.fabs(poly(coeffs, solution)) < 1e-4\n"
        ),
        setup=HELPER_SETUP,
        entry_point="find_zero",
    ),
}
HELPER_RIGHT = (
    "def find_zero(xs: list):\n    begin, end = -1.0, 1.0\n"
    "    while poly(xs, begin) * poly(xs, end) > 0:\n        begin *= 2.0\n        end *= 2.0\n"
    "    while end - begin > 1e-10:\n        center = (begin + end) / 2.0\n"
    "        if poly(xs, center) * poly(xs, begin) > 0:\n            begin = center\n"
    "        else:\n            end = center\n    return begin\n"
)

FAMILIES = {
    "add": ADD, "area": AREA, "random": RANDOM, "unittest": UNITTEST, "range": RANGE, "nest": NEST,
    "map": MAP,
    "helper": HELPER,
}  # fmt: skip
RIGHT = {"add": ADD_RIGHT, "area": AREA_RIGHT, "random": ADD_RIGHT, "unittest": ADD_RIGHT, "range": ADD_RIGHT,
         "nest": NEST_RIGHT, "map": ADD_RIGHT, "helper": HELPER_RIGHT}  # fmt: skip
EXPECTED_MODE = {"values": "values", "program-loop": "program", "program-humaneval": "program"}


def judge(verifiers, family: dict, shape: str, code: str):
    """The verdict on `code`; it must be a verdict, whatever the candidate did."""
    checker = verifiers["whole" if shape == "program-humaneval" else "values"]
    verdict = checker.verify(fenced(code), family[shape])
    assert verdict.mode == EXPECTED_MODE[shape] or verdict.mode is None, verdict
    return verdict


def shapes(family: dict, only: tuple[str, ...] = ()) -> list[str]:
    return [s for s in family if not only or s in only]


def cases(attacks: dict, family: dict, only: tuple[str, ...] = ()):
    return [
        pytest.param(name, shape, id=f"{name}-{shape}") for name in attacks for shape in shapes(family, only)
    ]


@pytest.mark.parametrize(
    "family,shape",
    [pytest.param(f, s, id=f"{f}-{s}") for f, golds in FAMILIES.items() for s in golds],
)
def test_control_the_right_solution_is_correct(verifiers, family, shape):
    verdict = judge(verifiers, FAMILIES[family], shape, RIGHT[family])
    allowed = ("correct",)
    if family == "nest" and shape != "values":
        allowed = ("correct", "unverifiable")  # a value nested past 64 may be refused, never called wrong
    assert (verdict.status in allowed, verdict.mode) == (True, EXPECTED_MODE[shape]), verdict


# --- pieces the attacks share ----------------------------------------------------------------------

ANYTHING = r'''
class _Anything:
    """Equal to everything; also a (useless) mapping, so MappingProxyType accepts it."""
    def __eq__(self, other):
        return True
    def __ne__(self, other):
        return False
    __hash__ = object.__hash__
    def __getitem__(self, key):
        return self
    def __len__(self):
        return 0
    def __iter__(self):
        return iter(())
'''

# Forge what a passing run writes, given the marker and the job (as the harness holds it or as it
# arrived on stdin): `["passed"]` in program mode; in values mode the attacker cannot know the
# expected values (they never enter the sandbox), so it claims `True` for every check.
FORGE = r"""
import json as _fjson, os as _fos
def _forge(marker, job):
    if "tests" in job:
        found = [["passed"]]
    else:
        n = len(job["actuals"])
        found = [[i, ["value", ["b", True]]] for i in range(n)] + [["end", n]]
    _fos.write(1, "".join("\n" + marker + " " + _fjson.dumps(r) + "\n" for r in found).encode())
    _fos._exit(0)
"""
WRONG_ADD = "def add(a, b):\n    return 0\n"
_READ_ALL_STDIN = "b''.join(iter(lambda: os.read(0, 65536), b''))"

STOLEN_MARKER = {
    "import __main__": "import __main__\n_forge(__main__._MARKER, __main__._JOB)\n" + WRONG_ADD,
    "sys.modules['__main__']": (
        "import sys\n_g = vars(sys.modules['__main__'])\n_forge(_g['_MARKER'], _g['_JOB'])\n" + WRONG_ADD
    ),
    "gc.get_objects()": (
        "import gc\n_g = next(o for o in gc.get_objects() if type(o) is dict and '_MARKER' in o)\n"
        "_forge(_g['_MARKER'], _g['_JOB'])\n" + WRONG_ADD
    ),
    "frame walk at load": (
        "import sys\n_f = sys._getframe()\nwhile '_MARKER' not in _f.f_globals:\n    _f = _f.f_back\n"
        "_forge(_f.f_globals['_MARKER'], _f.f_globals['_JOB'])\n" + WRONG_ADD
    ),
    "frame walk inside the call": (
        "import sys\ndef add(a, b):\n    f = sys._getframe()\n    while '_MARKER' not in f.f_globals:\n"
        "        f = f.f_back\n    _forge(f.f_globals['_MARKER'], f.f_globals['_JOB'])\n"
    ),
    "a traceback's frames": (
        "try:\n    raise ValueError\nexcept ValueError as _e:\n    _f = _e.__traceback__.tb_frame\n"
        "while '_MARKER' not in _f.f_globals:\n    _f = _f.f_back\n"
        "_forge(_f.f_globals['_MARKER'], _f.f_globals['_JOB'])\n" + WRONG_ADD
    ),
    "inspect.stack()": (
        "import inspect\n"
        "_g = next(i.frame.f_globals for i in inspect.stack(0) if '_MARKER' in i.frame.f_globals)\n"
        "_forge(_g['_MARKER'], _g['_JOB'])\n" + WRONG_ADD
    ),
    "sys.settrace": (
        "import sys\ndef _tracer(frame, event, arg):\n    if '_MARKER' in frame.f_globals:\n"
        "        _forge(frame.f_globals['_MARKER'], frame.f_globals['_JOB'])\n"
        "sys.settrace(_tracer)\n" + WRONG_ADD
    ),
    "sys.setprofile": (
        "import sys\ndef _profiler(frame, event, arg):\n    if '_MARKER' in frame.f_globals:\n"
        "        _forge(frame.f_globals['_MARKER'], frame.f_globals['_JOB'])\n"
        "sys.setprofile(_profiler)\n" + WRONG_ADD
    ),
    "sys._current_frames() from a thread": (
        "import sys, threading\n_main, _box = threading.get_ident(), []\n"
        "def _peek():\n    f = sys._current_frames()[_main]\n"
        "    while '_MARKER' not in f.f_globals:\n        f = f.f_back\n    _box.append(f.f_globals)\n"
        "_t = threading.Thread(target=_peek)\n_t.start()\n_t.join()\n"
        "_forge(_box[0]['_MARKER'], _box[0]['_JOB'])\n" + WRONG_ADD
    ),
    "a signal handler's frame": (
        "import signal, time\ndef _on_alarm(signum, frame):\n    while '_MARKER' not in frame.f_globals:\n"
        "        frame = frame.f_back\n    _forge(frame.f_globals['_MARKER'], frame.f_globals['_JOB'])\n"
        "signal.signal(signal.SIGALRM, _on_alarm)\n"
        "def add(a, b):\n    signal.setitimer(signal.ITIMER_REAL, 0.01)\n    time.sleep(3)\n    return 0\n"
    ),
    "an exception's __str__ called by the harness": (
        "import sys\nclass _Bait(Exception):\n    def __str__(self):\n"
        "        g = sys._getframe(1).f_globals\n"
        "        _forge(g['_MARKER'], g['_JOB'])\n        return 'bait'\n"
        "def add(a, b):\n    raise _Bait()\n"
    ),
    "stdin read back after os.lseek": (
        f"import os, json\nos.lseek(0, 0, os.SEEK_SET)\n_j = json.loads({_READ_ALL_STDIN})\n"
        "_forge(_j['marker'], _j)\n" + WRONG_ADD
    ),
    "stdin read with os.pread": (
        "import os, json\n_j = json.loads(os.pread(0, 1 << 24, 0))\n_forge(_j['marker'], _j)\n" + WRONG_ADD
    ),
    "sys.stdin.seek(0)": (
        "import sys, json\nsys.stdin.seek(0)\n_j = json.loads(sys.stdin.read())\n_forge(_j['marker'], _j)\n"
        + WRONG_ADD
    ),
    "/proc/self/fd/0 reopened": (
        "import json\n_j = json.loads(open('/proc/self/fd/0').read())\n_forge(_j['marker'], _j)\n" + WRONG_ADD
    ),
    "/dev/stdin reopened": (
        "import json\n_j = json.loads(open('/dev/stdin').read())\n_forge(_j['marker'], _j)\n" + WRONG_ADD
    ),
    "a thread forges while the first call blocks": (
        "import os, json, threading\n_j = json.loads(os.pread(0, 1 << 24, 0))\n_go = threading.Event()\n"
        "def _later():\n    _go.wait(10)\n    _forge(_j['marker'], _j)\n"
        "threading.Thread(target=_later, daemon=True).start()\n"
        "def add(a, b):\n    _go.set()\n    threading.Event().wait(10)\n    return 0\n"
    ),
    "an atexit handler forges": (
        "import os, json, atexit\n_j = json.loads(os.pread(0, 1 << 24, 0))\n"
        "atexit.register(lambda: _forge(_j['marker'], _j))\n" + WRONG_ADD
    ),
}


@pytest.mark.parametrize("attack,shape", cases(STOLEN_MARKER, ADD))
def test_a_stolen_marker_cannot_forge_a_pass(verifiers, attack, shape):
    verdict = judge(verifiers, ADD, shape, FORGE + STOLEN_MARKER[attack])
    assert verdict.status != "correct", (attack, verdict)


# A stolen marker used to write malformed records: the verifier must still return a verdict. In
# values mode the bad record stands in for check 0, beside well-formed records for the others and
# the end record, so that it reaches the per-check judging.
RAW = r"""
import __main__ as _m, os as _ros, json as _rjson
def _raw(bad):
    lines = [bad]
    if "actuals" in _m._JOB:
        n = len(_m._JOB["actuals"])
        lines += [_rjson.dumps([i, ["value", ["i", "0"]]]) for i in range(1, n)] + [_rjson.dumps(["end", n])]
    _ros.write(1, "".join("\n" + _m._MARKER + " " + line + "\n" for line in lines).encode())
    _ros._exit(0)
"""
_DEEP = "[" * 10_000 + "]" * 10_000
MALFORMED_LINES = {
    "a bare number": "5",
    "an empty list": "[]",
    "an empty object": "{}",
    "a bare string": '"passed"',
    "a list 10000 deep": _DEEP,
    "[0]": "[0]",
    "[0, 5]": "[0, 5]",
    "[0, []]": "[0, []]",
    "[0, null]": "[0, null]",
    '[0, ["value"]]': '[0, ["value"]]',
    '[0, ["raise"]]': '[0, ["raise"]]',
    '[0, ["value", 10000 deep]]': '[0, ["value", ' + _DEEP + "]]",
    '[0, ["value", ["l", 5000 deep]]]': '[0, ["value", ' + '["l", [' * 5000 + '["n"]' + "]]" * 5000 + "]]",
    '["end"]': '["end"]',
    '["failed"]': '["failed"]',
    "[null, null]": "[null, null]",
    "an int of 5000 digits": "9" * 5000,
}


@pytest.mark.parametrize("attack,shape", cases(MALFORMED_LINES, ADD))
def test_a_malformed_record_is_a_verdict_not_a_crash(verifiers, attack, shape):
    code = RAW + f"_raw({MALFORMED_LINES[attack]!r})\n" + WRONG_ADD
    verdict = judge(verifiers, ADD, shape, code)
    assert verdict.status != "correct", (attack, verdict)


# --- replacing what the harness uses --------------------------------------------------------------

HARNESS_GLOBALS = {
    "_emit replaced": (
        "import __main__ as _m\n"
        "_m._emit = lambda record: _m._write(1, ('\\n' + _m._MARKER + ' [\"passed\"]\\n').encode())\n"
        + WRONG_ADD
    ),
    "_dumps replaced": "import __main__ as _m\n_m._dumps = lambda record: '[\"passed\"]'\n" + WRONG_ADD,
    "_write replaced by a rewriter": (
        "import __main__ as _m, os\n"
        "def _rewrite(fd, data):\n    return os.write(fd, data.split(b' ', 1)[0] + b' [\"passed\"]\\n')\n"
        "_m._write = _rewrite\n" + WRONG_ADD
    ),
    "_encode replaced": "import __main__ as _m\n_m._encode = lambda value, depth=0: ['b', True]\n"
    + WRONG_ADD,
    "_rebuild replaced during the first call": (
        ANYTHING + "import __main__ as _m\n"
        "def add(a, b):\n    _m._rebuild = lambda value, depth=0: value\n    return _Anything()\n"
    ),
    "_FunctionType replaced so nothing is guarded": (
        ANYTHING + "import __main__ as _m\n_m._FunctionType = None\ndef add(a, b):\n    return _Anything()\n"
    ),
    "_JOB's tests and calls replaced": (
        "import __main__ as _m\n_m._JOB['tests'] = 'pass'\n"
        "_m._JOB['actuals'] = ['True'] * len(_m._JOB.get('actuals', ''))\n" + WRONG_ADD
    ),
}


@pytest.mark.parametrize("attack,shape", cases(HARNESS_GLOBALS, ADD))
def test_replacing_harness_globals_does_not_pass(verifiers, attack, shape):
    verdict = judge(verifiers, ADD, shape, HARNESS_GLOBALS[attack])
    assert verdict.status != "correct", (attack, verdict)


@pytest.mark.parametrize("shape", shapes(RANGE))
def test_patching_the_harness_pristine_builtins_does_not_pass(verifiers, shape):
    code = "import __main__ as _m\n_m._PRISTINE['range'] = lambda *args: []\n" + WRONG_ADD
    assert judge(verifiers, RANGE, shape, code).status != "correct"


@pytest.mark.parametrize("shape", shapes(UNITTEST))
def test_a_replaced_fingerprint_does_not_hide_a_patched_test_case(verifiers, shape):
    code = (
        "import __main__ as _m, unittest\n_m._fingerprint = lambda: _m._BEFORE\n"
        "unittest.TestCase.assertEqual = lambda self, first, second, msg=None: None\n" + WRONG_ADD
    )
    assert judge(verifiers, UNITTEST, shape, code).status != "correct"


STDLIB_OUTPUT = {
    "json's default encoder instance": (
        "import json\njson._default_encoder.encode = lambda obj: '[\"passed\"]'\n" + WRONG_ADD
    ),
    "json.JSONEncoder.encode": "import json\njson.JSONEncoder.encode = lambda self, obj: '[\"passed\"]'\n"
    + WRONG_ADD,
    "json.dumps": "import json\njson.dumps = lambda *args, **kwargs: '[\"passed\"]'\n" + WRONG_ADD,
    "os.write": (
        "import os\n_real_write = os.write\n"
        "os.write = lambda fd, data: _real_write(fd, data.replace(b'failed', b'passed'))\n" + WRONG_ADD
    ),
    # fd 1 into a pipe; the harness's own record shows the marker; sys.stdout.flush(), which the
    # harness calls after its last record, rewrites it to the real stdout.
    "sys.stdout replaced and fd 1 piped": (
        "import os, sys\n_real = os.dup(1)\n_r, _w = os.pipe()\nos.dup2(_w, 1)\nos.set_blocking(_r, False)\n"
        "class _Relay:\n"
        "    def write(self, text):\n        return len(text)\n"
        "    def flush(self):\n"
        "        try:\n            data = os.read(_r, 1 << 20)\n"
        "        except BlockingIOError:\n            data = b''\n"
        "        for line in data.decode().splitlines():\n"
        "            if line.startswith('@@sf-'):\n"
        "                os.write(_real, ('\\n' + line.split(' ', 1)[0] + ' [\"passed\"]\\n').encode())\n"
        "                os._exit(0)\n"
        "        os.write(_real, data)\n"
        "sys.stdout = _Relay()\n" + WRONG_ADD
    ),
}


@pytest.mark.parametrize("attack,shape", cases(STDLIB_OUTPUT, ADD))
def test_tampering_with_the_output_path_does_not_pass(verifiers, attack, shape):
    verdict = judge(verifiers, ADD, shape, STDLIB_OUTPUT[attack])
    assert verdict.status != "correct", (attack, verdict)


# --- what the tests call, and what comes back -------------------------------------------------------

UNGUARDED = {
    "an always-equal object from a plain function": "def add(a, b):\n    return _Anything()\n",
    "a class as the entry point": (
        "class add:\n    def __init__(self, a, b):\n        pass\n"
        "    def __eq__(self, other):\n        return True\n"
        "    __hash__ = object.__hash__\n"
    ),
    "a callable instance": (
        "class _Adder:\n    def __call__(self, a, b):\n        return _Anything()\nadd = _Adder()\n"
    ),
    "functools.partial": (
        "import functools\ndef _impl(a, b):\n    return _Anything()\nadd = functools.partial(_impl)\n"
    ),
    "a bound method": (
        "class _Adder:\n    def run(self, a, b):\n        return _Anything()\nadd = _Adder().run\n"
    ),
    "an lru_cache wrapper": (
        "import functools\n@functools.lru_cache(maxsize=None)\ndef add(a, b):\n    return _Anything()\n"
    ),
    "a weakref.proxy to an always-equal object": (
        "import weakref\n_keep = []\ndef add(a, b):\n    _keep.append(_Anything())\n"
        "    return weakref.proxy(_keep[-1])\n"
    ),
    "a mappingproxy over an always-equal mapping": (
        "import types\ndef add(a, b):\n    return types.MappingProxyType(_Anything())\n"
    ),
    # The guard's own tables are built after the candidate loads, from the builtins module.
    "builtins.type patched while the guard is built": (
        "import builtins\n_real_type = builtins.type\n"
        "class _Flags:\n    def __get__(self, *args):\n        return 0\n"
        "class _FakeType:\n    __flags__ = _Flags()\n"
        "builtins.type = _FakeType\n"
        "def add(a, b):\n    builtins.type = _real_type\n    return _Anything()\n"
    ),
    "builtins.dict patched while the scope is built": (
        "import builtins\n_real_dict = builtins.dict\n"
        "class _FakeDict:\n    def __new__(cls, *args, **kwargs):\n"
        "        return _real_dict(*args, **kwargs)\n"
        "    @staticmethod\n    def items(mapping):\n        return []\n"
        "builtins.dict = _FakeDict\n"
        "def add(a, b):\n    builtins.dict = _real_dict\n    return _Anything()\n"
    ),
    # No marker needed: a trace hook rebinds what the tests call to an unguarded function.
    "sys.settrace rebinds what the tests call": (
        "import sys\ndef _raw(*args):\n    return _Anything()\n"
        "def _tracer(frame, event, arg):\n"
        "    if frame.f_code.co_filename == 'tests.py':\n"
        "        frame.f_globals['add'] = _raw\n"
        "        if 'candidate' in frame.f_locals:\n            frame.f_locals['candidate'] = _raw\n"
        "        return _tracer\n"
        "sys.settrace(_tracer)\n" + WRONG_ADD
    ),
}


@pytest.mark.parametrize("attack,shape", cases(UNGUARDED, ADD))
def test_an_always_equal_value_does_not_pass(verifiers, attack, shape):
    verdict = judge(verifiers, ADD, shape, ANYTHING + UNGUARDED[attack])
    assert verdict.status != "correct", (attack, verdict)


@pytest.mark.parametrize("shape", shapes(NEST))
def test_an_always_equal_object_below_the_guards_depth_limit_does_not_pass(verifiers, shape):
    code = (
        ANYTHING + "def nest(n):\n    value = _Anything()\n    for _ in range(n):\n"
        "        value = [value]\n    return value\n"
    )
    assert judge(verifiers, NEST, shape, code).status != "correct"


# --- names and modules the tests read ------------------------------------------------------------

AREA_ATTACKS = {
    "math.pi patched": "import math\nmath.pi = 0.0\ndef area(r):\n    return 0.0\n",
    "abs shadowed by a solution global": "def abs(x):\n    return 0\ndef area(r):\n    return 0.0\n",
    "math shadowed by a solution global": (
        "class math:\n    pi = 0.0\n    isclose = staticmethod(lambda *args, **kwargs: True)\n"
        "def area(r):\n    return 0.0\n"
    ),
    "sys.modules['math'] replaced": (
        "import sys, types\n_fake = types.ModuleType('math')\n"
        "_fake.__dict__.update(vars(sys.modules['math']))\n"
        "_fake.pi = 0.0\nsys.modules['math'] = _fake\ndef area(r):\n    return 0.0\n"
    ),
}


@pytest.mark.parametrize("attack,shape", cases(AREA_ATTACKS, AREA))
def test_what_the_area_tests_read_cannot_be_patched(verifiers, attack, shape):
    verdict = judge(verifiers, AREA, shape, AREA_ATTACKS[attack])
    assert verdict.status != "correct", (attack, verdict)


RANGE_ATTACKS = {
    "range shadowed by a solution global": "def range(*args):\n    return []\n" + WRONG_ADD,
    "builtins.range patched": "import builtins\nbuiltins.range = lambda *args: []\n" + WRONG_ADD,
}


RANGE_ATTACKS["a forged 'loaded' message binding the tests' builtins"] = (
    # Two-process harness: the candidate's process describes the solution's names to the tests'
    # process; written by hand, the description can carry any name, dunders included.
    "import __main__ as _m\n"
    "def _empty(*args):\n    return []\n"
    "def add(a, b):\n    return 0\n"
    "_m._HANDLES.extend([add, _empty])\n"
    "_base = len(_m._HANDLES) - 2\n"
    "_fn = lambda i: ['value', ['h', _base + i, 'function']]\n"
    "_m._send(_m._outbox, ['loaded', {'add': _fn(0), 'range': _fn(1),\n"
    "    '__builtins__': ['value', ['d', [[['s', 'range'], ['h', _base + 1, 'function']]]]]}])\n"
    "_m._serve({})\n_m._exit(0)\n"
)


@pytest.mark.parametrize("attack,shape", cases(RANGE_ATTACKS, RANGE))
def test_the_tests_loops_cannot_be_emptied(verifiers, attack, shape):
    verdict = judge(verifiers, RANGE, shape, RANGE_ATTACKS[attack])
    assert verdict.status != "correct", (attack, verdict)


def test_a_redefined_prompt_helper_cannot_judge_the_answer(verifiers):
    code = "def poly(xs, x):\n    return 0.0\ndef find_zero(xs: list):\n    return 0.0\n"
    assert judge(verifiers, HELPER, "program-humaneval", code).status != "correct"


@pytest.mark.parametrize("shape", shapes(MAP))
def test_a_stop_iteration_cannot_end_the_tests_loop_early(verifiers, shape):
    assert judge(verifiers, MAP, shape, "def add(a, b):\n    raise StopIteration\n").status != "correct"


@pytest.mark.parametrize("shape", shapes(RANDOM))
def test_randoms_hidden_instance_cannot_fix_the_inputs(verifiers, shape):
    # Every randint(-99, 99) then draws -99: a constant answer passes if this goes unseen.
    code = "import random\nrandom._inst.getrandbits = lambda k: 0\ndef add(a, b):\n    return -198\n"
    assert judge(verifiers, RANDOM, shape, code).status != "correct"


_FAKE_UNITTEST = (
    "class TestCase:\n"
    "    def __init__(self, *args):\n        pass\n"
    "    def assertEqual(self, *args, **kwargs):\n        pass\n"
    "class _Result:\n    testsRun = 1\n    def wasSuccessful(self):\n        return True\n"
    "class TextTestRunner:\n"
    "    def __init__(self, *args, **kwargs):\n        pass\n"
    "    def run(self, test):\n        return _Result()\n"
)
# Written into the working folder only when that is a sandbox job's folder: should the sandbox
# ever fail, a unittest.py must not land in the checkout.
_WRITE_FAKE_UNITTEST = (
    "import os as _wos\n"
    "if 'starfactory-sandbox-' in _wos.getcwd():\n"
    f"    with open('unittest.py', 'w') as _f:\n        _f.write({_FAKE_UNITTEST!r})\n"
)
UNITTEST_ATTACKS = {
    "unittest.TestCase.assertEqual patched": (
        "import unittest\nunittest.TestCase.assertEqual = lambda self, first, second, msg=None: None\n"
        + WRONG_ADD
    ),
    "unittest.case._addError patched": (
        "import unittest.case\nunittest.case._addError = lambda *args: None\n" + WRONG_ADD
    ),
    "builtins.len patched for unittest.result": (
        "import builtins, sys\n_real_len = builtins.len\n"
        "def _len(obj):\n"
        "    if sys._getframe(1).f_globals.get('__name__') == 'unittest.result':\n        return 0\n"
        "    return _real_len(obj)\n"
        "builtins.len = _len\n" + WRONG_ADD
    ),
    "sys.modules['unittest'] replaced": (
        "import sys, types\n_fake = types.ModuleType('unittest')\n"
        f"exec({_FAKE_UNITTEST!r}, _fake.__dict__)\nsys.modules['unittest'] = _fake\n" + WRONG_ADD
    ),
    "unittest.py written into the job folder": _WRITE_FAKE_UNITTEST + WRONG_ADD,
    "unittest.py written and the loaded module dropped": (
        "import importlib, sys\n"
        + _WRITE_FAKE_UNITTEST
        + "for _name in [n for n in sys.modules if n == 'unittest' or n.startswith('unittest.')]:\n"
        "    del sys.modules[_name]\nimportlib.invalidate_caches()\n" + WRONG_ADD
    ),
    "a sys.meta_path finder serving a fake unittest": (
        "import importlib.abc, importlib.util, sys\n"
        "class _Finder(importlib.abc.MetaPathFinder, importlib.abc.Loader):\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        return importlib.util.spec_from_loader(name, self) if name == 'unittest' else None\n"
        "    def create_module(self, spec):\n        return None\n"
        f"    def exec_module(self, module):\n        exec({_FAKE_UNITTEST!r}, module.__dict__)\n"
        "sys.meta_path.insert(0, _Finder())\n"
        "for _name in [n for n in sys.modules if n == 'unittest' or n.startswith('unittest.')]:\n"
        "    del sys.modules[_name]\n" + WRONG_ADD
    ),
    "importlib.import_module replaced": (
        "import importlib, sys, types\n_fake = types.ModuleType('unittest')\n"
        f"exec({_FAKE_UNITTEST!r}, _fake.__dict__)\n"
        f"importlib.import_module = lambda name, package=None: _fake\n" + WRONG_ADD
    ),
}


@pytest.mark.parametrize("attack,shape", cases(UNITTEST_ATTACKS, UNITTEST))
def test_the_unittest_machinery_cannot_be_patched(verifiers, attack, shape):
    verdict = judge(verifiers, UNITTEST, shape, UNITTEST_ATTACKS[attack])
    assert verdict.status != "correct", (attack, verdict)


# --- control flow ------------------------------------------------------------------------------

CONTROL_FLOW = {
    "BaseException from the call": "def add(a, b):\n    raise BaseException('stop')\n",
    "SystemExit(0) from the call": "def add(a, b):\n    raise SystemExit(0)\n",
    "KeyboardInterrupt from the call": "def add(a, b):\n    raise KeyboardInterrupt\n",
    "GeneratorExit from the call": "def add(a, b):\n    raise GeneratorExit\n",
    "StopIteration from the call": "def add(a, b):\n    raise StopIteration\n",
    "an exception whose __str__ exits 0": (
        "import os\nclass _Quit(Exception):\n    def __str__(self):\n        os._exit(0)\n"
        "def add(a, b):\n    raise _Quit()\n"
    ),
    "an exception whose __str__ raises": (
        "class _Loud(Exception):\n    def __str__(self):\n        raise RuntimeError('no')\n"
        "def add(a, b):\n    raise _Loud()\n"
    ),
    "a signal handler that exits 0": (
        "import os, signal, time\nsignal.signal(signal.SIGALRM, lambda *args: os._exit(0))\n"
        "def add(a, b):\n    signal.setitimer(signal.ITIMER_REAL, 0.01)\n    time.sleep(3)\n    return 0\n"
    ),
    "interrupt_main from a thread": (
        "import _thread, threading, time\n"
        "threading.Thread(target=lambda: (time.sleep(0.2), _thread.interrupt_main()), daemon=True).start()\n"
        "def add(a, b):\n    time.sleep(1)\n    return 0\n"
    ),
    "a thread that exits 0 while the call sleeps": (
        "import os, threading, time\n_go = threading.Event()\n"
        "threading.Thread(target=lambda: (_go.wait(10), os._exit(0)), daemon=True).start()\n"
        "def add(a, b):\n    _go.set()\n    time.sleep(3)\n    return 0\n"
    ),
    "sys.settrace exits 0 at the failing assert": (
        "import os, sys\ndef _tracer(frame, event, arg):\n"
        "    if event == 'exception' and arg[0] is AssertionError:\n        os._exit(0)\n    return _tracer\n"
        "sys.settrace(_tracer)\n" + WRONG_ADD
    ),
    "stdout closed": "import os\nos.close(1)\n" + WRONG_ADD,
}


@pytest.mark.parametrize("attack,shape", cases(CONTROL_FLOW, ADD))
def test_leaving_early_does_not_pass(verifiers, attack, shape):
    verdict = judge(verifiers, ADD, shape, CONTROL_FLOW[attack])
    assert verdict.status != "correct", (attack, verdict)


ODD_VALUES = {
    "a million-element list": "def add(a, b):\n    return [0] * 10**6\n",
    "a self-referencing list": "def add(a, b):\n    x = []\n    x.append(x)\n    return x\n",
    "a list nested 10000 deep": (
        "def add(a, b):\n    x = 0\n    for _ in range(10000):\n        x = [x]\n    return x\n"
    ),
    "a self-referencing dict": "def add(a, b):\n    d = {}\n    d[0] = d\n    return d\n",
    "an int of a million digits": "def add(a, b):\n    return 10 ** 10**6\n",
    "nan": "def add(a, b):\n    return float('nan')\n",
    "a dict keyed by a hashable list subclass": (
        "class _L(list):\n    __hash__ = lambda self: 0\ndef add(a, b):\n    return {_L([a + b]): 1}\n"
    ),
    "a set of a hashable list subclass": (
        "class _L(list):\n    __hash__ = lambda self: 0\ndef add(a, b):\n    return {_L([a + b])}\n"
    ),
    "a generator": "def add(a, b):\n    yield a + b\n",
    "the function itself": "def add(a, b):\n    return add\n",
}


@pytest.mark.parametrize("attack,shape", cases(ODD_VALUES, ADD))
def test_odd_return_values_are_judged_not_crashed_on(verifiers, attack, shape):
    verdict = judge(verifiers, ADD, shape, ODD_VALUES[attack])
    assert verdict.status != "correct", (attack, verdict)


# --- the trusted side, fed directly ------------------------------------------------------------------

MARKER = "@@sf-" + "ab" * 16
CHECKS = split_tests(ADD["values"].tests).checks
GOOD = [[1, ["value", ["i", "0"]]], [2, ["value", ["i", "f"]]], ["end", 3]]
_DEEP_LIST: list = []
for _ in range(10_000):
    _DEEP_LIST = [_DEEP_LIST]
BAD_RECORDS = {
    "5": 5,
    "[]": [],
    "{}": {},
    '"x"': "x",
    "None": None,
    "10000 deep": _DEEP_LIST,
    "[0]": [0],
    "[0, 5]": [0, 5],
    "[0, []]": [0, []],
    "[0, None]": [0, None],
    "[0, {}]": [0, {}],
    '[0, ["value"]]': [0, ["value"]],
    '[0, ["raise"]]': [0, ["raise"]],
    '[0, ["value", 5]]': [0, ["value", 5]],
    '[0, ["value", 10000 deep]]': [0, ["value", _DEEP_LIST]],
    '[0, ["value", ["l", 5]]]': [0, ["value", ["l", 5]]],
    '[0, ["value", ["d", [[1]]]]]': [0, ["value", ["d", [[1]]]]],
    '[0, ["value", ["i", "zz"]]]': [0, ["value", ["i", "zz"]]],
    '[0, ["value", ["f", 1]]]': [0, ["value", ["f", 1]]],
    '["end"]': ["end"],
    '["failed"]': ["failed"],
    '["load_error"]': ["load_error"],
    "[None, None]": [None, None],
    "[True, ...]": [True, ["value", ["i", "3"]]],
}


def _outcome_or_crash(judging, *args):
    outcome = judging(*args)
    assert isinstance(outcome, Outcome)
    return outcome


@pytest.mark.parametrize("name", BAD_RECORDS)
def test_judge_values_returns_an_outcome_for_a_malformed_record(name):
    bad = BAD_RECORDS[name]
    assert not _outcome_or_crash(judge_values, [bad], CHECKS).passed
    # in check 0's place, beside well-formed records for the others and the end record
    assert not _outcome_or_crash(judge_values, [bad, *GOOD], CHECKS).passed


@pytest.mark.parametrize("name", BAD_RECORDS)
def test_judge_program_returns_an_outcome_for_a_malformed_record(name):
    bad = BAD_RECORDS[name]
    assert not _outcome_or_crash(judge_program, [bad]).passed
    assert not _outcome_or_crash(judge_program, [bad, ["passed"]]).passed


MARKED_LINES = {
    "5": "5",
    "[]": "[]",
    "{}": "{}",
    "10000 deep": "[" * 10_000 + "]" * 10_000,
    "NaN": "NaN",
    "an int of 5000 digits": "9" * 5000,
    "not JSON": "[0, ",
    "empty": "",
}


@pytest.mark.parametrize("name", MARKED_LINES)
def test_records_then_judging_never_raise(name):
    stdout = f'noise\n{MARKER} {MARKED_LINES[name]}\n{MARKER}\n{MARKER}x ["passed"]\n'
    found = records(stdout, MARKER)
    assert isinstance(found, list)
    assert not _outcome_or_crash(judge_program, found).passed
    assert not _outcome_or_crash(judge_values, found, CHECKS).passed


def test_records_ignore_lines_without_the_exact_marker():
    stdout = f'{MARKER[:-1]} ["passed"]\n {MARKER} ["passed"]\n{MARKER.upper()} ["passed"]\n'
    assert records(stdout, MARKER) == []


def test_the_values_judge_accepts_exactly_the_right_records():
    right = [[0, ["value", ["i", "3"]]], [1, ["value", ["i", "0"]]], [2, ["value", ["i", "f"]]], ["end", 3]]
    assert judge_values(right, CHECKS).passed
    assert not judge_values(right[:-1], CHECKS).passed  # no end record
    assert not judge_values([right[0], *right], CHECKS).passed  # a check reported twice
    assert not judge_values([[0, ["value", ["?", "Anything"]]], *right[1:]], CHECKS).passed
    assert json.loads(json.dumps(right)) == right
