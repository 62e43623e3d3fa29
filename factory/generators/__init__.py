"""The generator seam: prompts and sampling settings in, N completions per prompt out, in input order.

Backends: `hf` (transformers, CPU or GPU), `vllm` (GPU, or vLLM's CPU build), `openai` (any
OpenAI-compatible server), `fake` (deterministic, unit tests only). Each is a plain class with
`model_id`, `generate(requests, sampling)` and `close()`; the loop depends on nothing else.

Owns: turning chat prompts into completions, with token counts and finish reasons. Does not own:
where a model's files come from (`factory.models`), what the prompts say (`factory.tasks`), or
which attempts exist already (`factory.star.sample` and the run folder).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

Message = dict  # {"role": "user" | "assistant" | "system", "content": str}


class BackendUnavailable(RuntimeError):
    """A backend whose library this environment lacks; the message says how to add it."""


@dataclass(frozen=True)
class SamplingSettings:
    n: int = 4
    temperature: float = 0.7
    top_p: float = 1.0
    # Always explicit: vLLM's default is 16 tokens, which silently truncates every rationale.
    max_tokens: int = 384
    seed: int = 0

    def __post_init__(self) -> None:
        if self.n < 1 or self.max_tokens < 1:
            raise ValueError(f"sampling.n and sampling.max_tokens must be >= 1, got {self}")


@dataclass(frozen=True)
class Request:
    """`n` samples of one prompt: samples `first_index` .. `first_index + n - 1` of its problem.

    Seeds are per sample: sample k of the problem draws from `seed + k` (`sample_seeds`), so a
    resumed run that asks for samples 2 and 3 alone gets what an uninterrupted run got for them.
    Backends that cannot seed per sample say so in their docstring."""

    messages: tuple[Message, ...]
    n: int  # completions wanted for this prompt
    seed: int  # the problem's seed: the same whichever of its samples are asked for
    first_index: int = 0  # the problem's sample index of this request's first completion

    @property
    def sample_seeds(self) -> tuple[int, ...]:
        return tuple(self.seed + self.first_index + i for i in range(self.n))


@dataclass(frozen=True)
class Completion:
    text: str
    tokens: int  # completion tokens
    finish_reason: str  # "stop" | "length"


class Generator(Protocol):
    model_id: str

    def generate(self, requests: Sequence[Request], sampling: SamplingSettings) -> list[list[Completion]]:
        """One list per request, `request.n` completions each, in input order."""
        ...

    def close(self) -> None: ...
