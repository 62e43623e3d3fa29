"""Diverse prompting: prompt styles and personas (a fifth grader, a NASA engineer, a 19th-century
pirate, a terse proof writer...) given to the train samples as a system message, so one problem's
samples are written in several voices instead of the model's one habit.

Assigned deterministically: sample k of a problem gets style `(h + k) mod S`, where h is a hash of
the problem ID, so a problem's first S samples all differ and a resumed run gives every sample the
style it had. The style's name is part of the attempt ID (plain prompting leaves IDs as they were)
and is recorded on the attempt; the SFT row, the preference pair and the held-out evaluation carry
no style (stripped like the STaR hint: the model learns to answer the plain prompt).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from factory.generators import Message


@dataclass(frozen=True)
class Style:
    name: str
    system: str  # the system message that sets the voice


@dataclass(frozen=True)
class Prompting:
    styles: tuple[Style, ...] = ()

    @classmethod
    def from_config(cls, styles: list[dict] | None) -> Prompting:
        built = tuple(Style(str(s["name"]), str(s["system"])) for s in (styles or ()))
        if len({s.name for s in built}) != len(built):
            raise ValueError("prompting.styles: two styles share a name")
        return cls(built)

    def style(self, problem_id: str, index: int) -> Style | None:
        if not self.styles:
            return None
        offset = int.from_bytes(hashlib.sha256(problem_id.encode()).digest()[:4], "big")
        return self.styles[(offset + index) % len(self.styles)]

    def messages(self, base: tuple[Message, ...], problem_id: str, index: int) -> tuple[Message, ...]:
        style = self.style(problem_id, index)
        return base if style is None else ({"role": "system", "content": style.system}, *base)


PLAIN = Prompting()
