"""Code verifier: run a model's program against a problem's tests in a sandbox; values out, compare
outside.

A problem's gold is a `CodeGold` (`gold.py`), parsed once per problem: `setup` (code that runs
before the response, e.g. HumanEval's prompt with its imports and helpers), `tests` (a test
program) and `entry_point` (the function HumanEval's `check(candidate)` receives).

Owns: judging Python code against a problem's tests. Does not own: the isolation the code runs
under (a `sandboxes` backend, injected) or where problems come from (`factory.tasks`).

Files: `gold.py` the gold and how benchmark rows become one; `split.py` the tests split into
checks; `harness.py` the untrusted side (the programs that run in the sandbox); `judge.py` the
trusted side (reading and judging what the sandbox returned).

Steps for one response:
1. extract the code: the last fenced block that defines the entry point (else the last fenced
   block, else the whole response if it parses). None: `incorrect: no_code`; unparsable:
   `incorrect: syntax_error`. A body-only completion (no `def entry_point`) continues `setup`.
2. split the tests (`split.py`); when every assert splits, `values` mode, else `program` mode
   (`harness.py` describes both and the spoofs each closes). The verdict's `mode` says which.
3. run in the sandbox; the trusted side (`judge.py`) judges the records.

Verdicts: `correct: passed`; `incorrect:` wrong_answer, exception, load_error, timeout, memory,
output_limit, tests_not_run, malformed_output, no_code, syntax_error; `unverifiable:`
sandbox_error (the sandbox failed, not the program), no_tests (the gold has nothing to run),
unsafe_to_judge (program mode: the tests used a value of the candidate's in a way only the
candidate's own code could decide, e.g. `==` on an instance of its class).

Not covered: tests that need files, network or stdin fixtures; languages other than Python.
"""

from __future__ import annotations

import functools
import re
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass

from sandboxes import Limits, Sandbox
from verifiers import Problem, Verdict, settings_hash
from verifiers.code.gold import CodeGold
from verifiers.code.harness import new_marker, values_job, whole_job
from verifiers.code.judge import judge_program, judge_values, records
from verifiers.code.split import parse_quietly, split_tests

__version__ = "0.2.0"  # 0.2: program mode runs the candidate in a process of its own

_FENCE_RE = re.compile(r"```[ \t]*(?:python3?|py)?[ \t]*\n(.*?)```", re.DOTALL | re.IGNORECASE)
_SANDBOX_FAILURES = {"timeout": "timeout", "memory": "memory", "output_limit": "output_limit"}


def extract_code(response: str, entry_point: str | None = None, setup: str = "") -> str | None:
    """The code in a response: a fenced block, or the response itself if it parses (alone, or as
    the continuation of `setup`, the way HumanEval completions are written)."""
    blocks = [block for block in _FENCE_RE.findall(response) if block.strip()]
    if blocks:
        defining = [b for b in blocks if entry_point and _defines(b, entry_point)]
        return (defining or blocks)[-1]
    if not response.strip():
        return None
    for module in (response, setup + response):
        if parse_quietly(module) is not None:
            return response
    return None


def candidate_source(code: str, gold: CodeGold) -> str:
    """The module the candidate runs as: setup, then the code (a body-only completion continues setup)."""
    if not gold.setup:
        return code
    defines_entry = gold.entry_point is None or _defines(code, gold.entry_point)
    return gold.setup + ("\n\n" if defines_entry else "") + code


def _defines(code: str, function: str) -> bool:
    return re.search(rf"def\s+{re.escape(function)}\s*\(", code) is not None


@dataclass(frozen=True)
class CodeVerifierSettings:
    timeout_s: float = 10.0
    memory_mb: int = 1024
    values_mode: bool = True  # False: every problem runs its test program as a whole


class CodeVerifier:
    """`submit(problem, response)` for the factory (a Future; programs run on `workers` threads);
    `verify(response, gold)` to check one response against a `CodeGold` directly."""

    name = "code"
    kind = "code"
    version = __version__

    def __init__(
        self,
        sandbox: Sandbox,
        timeout_s: float = 10.0,
        memory_mb: int = 1024,
        workers: int = 2,
        values_mode: bool = True,
    ):
        self.sandbox = sandbox
        self.settings = CodeVerifierSettings(timeout_s, memory_mb, values_mode)
        self.limits = Limits(timeout_s=timeout_s, memory_mb=memory_mb)
        self.settings_hash = settings_hash(self.version, {"sandbox": sandbox.name, **asdict(self.settings)})
        # Twice the slots: a job is prepared and its records judged while the sandbox runs another.
        self._threads = ThreadPoolExecutor(2 * workers, thread_name_prefix="code-verifier")

    def submit(self, problem: Problem, response: str) -> Future[Verdict]:
        return self._threads.submit(self.verify, response, problem.gold)

    def verify(self, response: str, gold: CodeGold) -> Verdict:
        code = extract_code(response, gold.entry_point, gold.setup)
        if code is None:
            return Verdict("incorrect", "no_code")
        source = candidate_source(code, gold)
        if parse_quietly(source) is None:
            return Verdict("incorrect", "syntax_error", code)
        split = _split(gold.tests) if self.settings.values_mode else None
        marker = new_marker()
        if split is not None:
            (program, stdin), mode = values_job(source, split, gold.entry_point, marker), "values"
        elif "assert" not in gold.tests:
            return Verdict("unverifiable", "no_tests", code)
        else:
            (program, stdin), mode = (
                whole_job(source, _runnable_tests(gold), marker, gold.setup, gold.entry_point),
                "program",
            )
        try:
            result = self.sandbox.run(program, self.limits, stdin)
        except Exception as exc:  # the sandbox broke, not the program
            return Verdict(
                "unverifiable", "sandbox_error", code, mode=mode, detail=f"{type(exc).__name__}: {exc}"
            )
        if result.status == "sandbox_error":
            return Verdict("unverifiable", "sandbox_error", code, mode=mode, detail=result.reason)
        if result.status in _SANDBOX_FAILURES:
            return Verdict("incorrect", _SANDBOX_FAILURES[result.status], code, mode=mode)
        found = records(result.stdout, marker)
        outcome = judge_values(found, split.checks) if split is not None else judge_program(found)
        return Verdict(outcome.status, outcome.reason, code, mode=mode, detail=outcome.detail)

    def close(self) -> None:
        self._threads.shutdown(wait=True)
        self.sandbox.close()


@functools.lru_cache(maxsize=4096)
def _split(tests: str):
    return split_tests(tests)  # every sample of a problem has the same tests: split them once


def _runnable_tests(gold: CodeGold) -> str:
    if gold.entry_point and "def check(" in gold.tests:
        return f"{gold.tests}\n\ncheck({gold.entry_point})\n"
    return gold.tests
