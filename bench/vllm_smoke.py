"""vLLM backend speed and sanity on the embedded model: 8 GSM8K problems x n=4, 256 max tokens.

.venv-vllm/bin/python -m bench.vllm_smoke     # after `make test-vllm` built .venv-vllm (CPU build)
"""

import time

from factory import tasks
from factory.generators import Request, SamplingSettings
from factory.generators.vllm import VLLMGenerator
from verifiers.math import MathVerifier

if __name__ == "__main__":  # vLLM starts worker processes
    task = tasks.gsm8k(limit=8)
    generator = VLLMGenerator(model="embedded", max_model_len=1024, enforce_eager=True)
    requests = [Request(task.messages(p), 4, seed=i) for i, p in enumerate(task.problems)]
    started = time.perf_counter()
    out = generator.generate(requests, SamplingSettings(n=4, max_tokens=256))
    elapsed = time.perf_counter() - started
    generator.close()
    verifier = MathVerifier()
    correct = sum(verifier.verify(c.text, p.gold).correct for p, row in zip(task.problems, out) for c in row)
    verifier.close()
    tokens = sum(c.tokens for row in out for c in row)
    print(
        f"{len(out)} prompts x {[len(r) for r in out][0]} samples, {tokens} tokens in {elapsed:.1f} s: "
        f"{tokens / elapsed:.1f} tok/s; distinct samples of prompt 0: {len({c.text for c in out[0]})}; "
        f"correct {correct}/{sum(len(r) for r in out)}"
    )
