"""Verifiers: decide whether one attempt at a problem is right, and say so honestly.

Owns: the `Problem` a verifier judges, the `Verdict` it returns, the `Verifier` contract every
verifier meets, and the stamp (name, version, settings hash) written beside every verdict. Does not
own: where problems come from (`factory.tasks`), how attempts are generated or stored (`factory`),
or how untrusted code runs (`sandboxes`, which the code verifier uses).

Every verifier returns a `Verdict` with one of three statuses. `unverifiable` is not a polite
"incorrect": it means the verifier could not decide (a parse failure, a timeout, a broken gold), and
pass rates leave such attempts out instead of counting them as wrong.
"""

from __future__ import annotations

import hashlib
import json
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any, Literal, Protocol

Status = Literal["correct", "incorrect", "unverifiable"]
STATUSES: tuple[Status, ...] = ("correct", "incorrect", "unverifiable")
Kind = Literal["math", "code"]


@dataclass(frozen=True)
class Problem:
    """One problem as a verifier sees it. `gold` is typed by the task's kind: the final answer as
    text for math, a `verifiers.code.CodeGold` (tests, setup, entry point) for code, parsed once."""

    id: str
    question: str
    gold: Any
    hint: str = ""  # what STaR's hinted prompt shows; empty: the gold itself


@dataclass(frozen=True)
class Verdict:
    status: Status
    reason: str  # a short code: numeric_equal, no_answer, timeout, gold_unparseable, ...
    extracted: str | None = None  # the answer (or code) the verifier read from the response, if any
    mode: str | None = None  # how it was decided, where a verifier has several ways (code: values / program)
    detail: str | None = None  # what exactly passed or failed, in words ("check 3 of 5: f(2)")

    @property
    def correct(self) -> bool:
        return self.status == "correct"


class Verifier(Protocol):
    """What the factory needs of a verifier. `submit` sees the whole problem (question, gold, hint),
    so a verifier that reads the question, such as an LLM judge, fits the same seam; it must not
    raise for a bad response: a misbehaving candidate is a verdict."""

    name: str
    version: str
    kind: Kind  # the task kind it judges; composing it with another kind fails at start-up
    settings_hash: str

    def submit(self, problem: Problem, response: str) -> Future[Verdict]: ...

    def close(self) -> None: ...


def settings_hash(version: str, settings: dict) -> str:
    """A short, stable hash of what decides a verifier's verdicts (its version and settings)."""
    blob = json.dumps({"version": version, **settings}, sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()[:12]


def stamp(verifier: Verifier) -> dict[str, str]:
    """The fields written beside every verdict: which verifier, which version, which settings."""
    return {"verifier": f"{verifier.name}@{verifier.version}", "verifier_settings": verifier.settings_hash}


def done(verdict: Verdict) -> Future[Verdict]:
    """A Future already holding `verdict` (for verdicts decided without a worker)."""
    future: Future[Verdict] = Future()
    future.set_result(verdict)
    return future
