"""transformers backend: `model.generate` with sampling, batched across prompts and samples.

Seeds: each batch seeds torch's generator with its first request's seed, so a run is reproducible
for the same settings and batch composition; transformers has no per-sequence seed in a batch
(vLLM on a GPU and llama.cpp do, see `vllm.py`), so a problem resumed between two of its samples
gets other texts for the rest than an uninterrupted run (the attempt IDs and seeds are the same).
Runs on CPU or a single GPU (`device`). `dtype=auto` picks bfloat16 only where the device computes
it natively, float32 (float16 on a GPU) elsewhere (`factory.hardware`); the choice and its reason
are in `self.dtype`.
"""

from __future__ import annotations

from collections.abc import Sequence

from factory.generators import Completion, Request, SamplingSettings
from factory.hardware import Capabilities, choose_dtype
from factory.models import model_id, resolve_model


class HFGenerator:
    def __init__(
        self,
        model: str = "embedded",
        dtype: str = "auto",
        device: str = "auto",
        max_batch_sequences: int = 32,
    ):
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        path = resolve_model(model)
        self.model_id = model_id(model)
        self._torch = torch
        self._device = ("cuda" if torch.cuda.is_available() else "cpu") if device == "auto" else device
        self._max_batch = max_batch_sequences
        self.tokenizer = AutoTokenizer.from_pretrained(path, padding_side="left")
        if self.tokenizer.pad_token is None:
            self.tokenizer.pad_token = self.tokenizer.eos_token
        self.dtype = choose_dtype(dtype, Capabilities.detect(self._device))
        weights = getattr(torch, self.dtype.dtype)
        self.model = AutoModelForCausalLM.from_pretrained(path, dtype=weights).to(self._device)
        self.model.eval()
        eos = self.model.generation_config.eos_token_id
        self._eos_ids = set(eos if isinstance(eos, list) else [eos]) | {self.tokenizer.eos_token_id}

    def generate(self, requests: Sequence[Request], sampling: SamplingSettings) -> list[list[Completion]]:
        rows = [(index, request) for index, request in enumerate(requests) for _ in range(request.n)]
        results: list[list[Completion]] = [[] for _ in requests]
        for start in range(0, len(rows), self._max_batch):
            chunk = rows[start : start + self._max_batch]
            for (index, _), completion in zip(chunk, self._generate_chunk(chunk, sampling)):
                results[index].append(completion)
        return results

    def _generate_chunk(self, chunk, sampling: SamplingSettings) -> list[Completion]:
        torch = self._torch
        texts = [
            self.tokenizer.apply_chat_template(list(r.messages), tokenize=False, add_generation_prompt=True)
            for _, r in chunk
        ]
        encoded = self.tokenizer(texts, return_tensors="pt", padding=True).to(self._device)
        torch.manual_seed(chunk[0][1].seed)
        sample = sampling.temperature > 0
        with torch.inference_mode():
            output = self.model.generate(
                **encoded,
                do_sample=sample,
                temperature=sampling.temperature if sample else None,
                top_p=sampling.top_p if sample else None,
                top_k=None,
                max_new_tokens=sampling.max_tokens,
                pad_token_id=self.tokenizer.pad_token_id,
            )
        return [self._completion(ids) for ids in output[:, encoded["input_ids"].shape[1] :].tolist()]

    def _completion(self, ids: list[int]) -> Completion:
        end = next((i for i, token in enumerate(ids) if token in self._eos_ids), None)
        kept = ids if end is None else ids[:end]
        text = self.tokenizer.decode(kept, skip_special_tokens=True)
        return Completion(text, len(kept) + (end is not None), "length" if end is None else "stop")

    def close(self) -> None:
        self.model = None
        if self._torch.cuda.is_available():
            self._torch.cuda.empty_cache()
