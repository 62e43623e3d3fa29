"""Verifiers: decide whether one attempt is right, and say so honestly.

Every verifier returns a `Verdict` with one of three statuses. `unverifiable` is not a polite
"incorrect": it means the verifier could not decide (a parse failure, a timeout, a broken gold), and
pass rates leave such attempts out instead of counting them as wrong.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Status = Literal["correct", "incorrect", "unverifiable"]
STATUSES: tuple[Status, ...] = ("correct", "incorrect", "unverifiable")


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
