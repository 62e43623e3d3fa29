"""A deterministic generator for unit tests: no model, no randomness, no I/O."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from factory.generators import Completion, Message, Request, SamplingSettings

Responder = Callable[[tuple[Message, ...], int], str]  # (messages, the problem's sample index) -> text


class FakeGenerator:
    """Answers every prompt with `text`, or with `responder(messages, sample_index)` when given."""

    def __init__(
        self,
        text: str = "I think the answer is \\boxed{0}.",
        responder: Responder | None = None,
        model: str = "fake",
    ):
        self.model_id = model
        self._responder = responder or (lambda messages, index: text)
        self.calls: list[int] = []  # prompts per generate() call, for tests that count work

    def generate(self, requests: Sequence[Request], sampling: SamplingSettings) -> list[list[Completion]]:
        self.calls.append(len(requests))
        results = []
        for request in requests:
            indices = range(request.first_index, request.first_index + request.n)
            texts = [self._responder(request.messages, index) for index in indices]
            results.append([Completion(t, len(t.split()), "stop") for t in texts])
        return results

    def close(self) -> None:
        pass
