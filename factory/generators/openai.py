"""OpenAI-compatible backend: any `/v1/chat/completions` server (a `vllm serve` fleet, SGLang, ...).

Each sample is its own request with `n=1` and the sample's own seed (`request.sample_seeds`):
exact per-sample token counts, and servers without `n` support work too (prefix caching makes
the repeated prompt cheap).
Concurrency is bounded by a thread pool. Retries cover transport errors only (connection refused,
reset, timeout); an HTTP error status is the server's answer and is raised, not retried.
"""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

from factory.generators import Completion, Message, Request, SamplingSettings


class OpenAIGenerator:
    def __init__(
        self,
        model: str,
        base_url: str = "http://127.0.0.1:8000/v1",
        api_key_env: str = "OPENAI_API_KEY",
        concurrency: int = 16,
        max_retries: int = 3,
        retry_backoff_s: float = 1.0,
        timeout_s: float = 600.0,
    ):
        import openai

        self._openai = openai
        self.model_id = f"openai:{model}@{base_url}"
        self._model = model
        self._client = openai.OpenAI(
            base_url=base_url, api_key=os.environ.get(api_key_env, "EMPTY"), max_retries=0, timeout=timeout_s
        )
        self._pool = ThreadPoolExecutor(max_workers=concurrency)
        self._max_retries = max_retries
        self._backoff_s = retry_backoff_s

    def generate(self, requests: Sequence[Request], sampling: SamplingSettings) -> list[list[Completion]]:
        futures = [
            [self._pool.submit(self._complete, r.messages, sampling, seed) for seed in r.sample_seeds]
            for r in requests
        ]
        return [[future.result() for future in row] for row in futures]

    def _complete(self, messages: tuple[Message, ...], sampling: SamplingSettings, seed: int) -> Completion:
        for attempt in range(self._max_retries + 1):
            try:
                response = self._client.chat.completions.create(
                    model=self._model,
                    messages=list(messages),
                    temperature=sampling.temperature,
                    top_p=sampling.top_p,
                    max_tokens=sampling.max_tokens,
                    seed=seed,
                    n=1,
                )
                break
            except self._openai.APIConnectionError:  # includes APITimeoutError
                if attempt == self._max_retries:
                    raise
                time.sleep(self._backoff_s * 2**attempt)
        choice = response.choices[0]
        tokens = response.usage.completion_tokens if response.usage else 0
        return Completion(
            choice.message.content or "", tokens, "length" if choice.finish_reason == "length" else "stop"
        )

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
        self._client.close()
