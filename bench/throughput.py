"""New tokens/s of the CPU backends on the default job's prompts: the raw engine and the factory.

`python -m bench.throughput [--configs hf:bfloat16:8,hf:float32:32,llamacpp::32] [--problems 8]
[--n 4] [--max-tokens 128] [--repeats 2]`

A configuration is `backend:dtype:sequences` (sequences decoded at once; the dtype is hf's only).
For each one, alternating `--repeats` times on the same GSM8K prompts (the default job's template):
- raw: hf's `model.generate` on the same batches the factory makes, or llama.cpp through the
  backend's own `generate` with nothing around it;
- factory: `sample_verify_keep` (generation, the math verifier, the attempt log), whose
  tokens/s counts its whole wall time.
Prints one JSON line per configuration, then a table with the CPU's name. Each configuration
loads its own model; nothing is shared between them but the prompts. `--modes factory` leaves the
raw engine out (for the slow configurations).
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

from factory import tasks
from factory.generators import Request, SamplingSettings
from factory.hardware import cpu_info
from factory.star.sample import problem_seed, sample_verify_keep
from verifiers.math import MathVerifier


def make_generator(backend: str, dtype: str, sequences: int, model: str):
    if backend == "hf":
        from factory.generators.hf import HFGenerator

        return HFGenerator(model=model, dtype=dtype or "auto", max_batch_sequences=sequences)
    from factory.generators.llamacpp import LlamaCppGenerator

    return LlamaCppGenerator(model=model, max_sequences=sequences, context_per_sequence=1024)


def batches(task, batch_problems: int):
    for start in range(0, len(task.problems), batch_problems):
        yield task.problems[start : start + batch_problems]


def raw_tokens_per_s(generator, task, sampling: SamplingSettings, batch_problems: int) -> float:
    tokens, elapsed = 0, 0.0
    for batch in batches(task, batch_problems):
        started = time.perf_counter()
        if hasattr(generator, "model") and hasattr(generator, "tokenizer"):  # hf: transformers itself
            tokens += _hf_generate(generator, task, batch, sampling)
        else:
            requests = [Request(task.messages(p), sampling.n, problem_seed(p.id, sampling)) for p in batch]
            tokens += sum(c.tokens for row in generator.generate(requests, sampling) for c in row)
        elapsed += time.perf_counter() - started
    return tokens / elapsed


def _hf_generate(generator, task, batch, sampling: SamplingSettings) -> int:
    torch, tokenizer, model = generator._torch, generator.tokenizer, generator.model
    texts = [
        tokenizer.apply_chat_template(list(task.messages(p)), tokenize=False, add_generation_prompt=True)
        for p in batch
        for _ in range(sampling.n)
    ]
    encoded = tokenizer(texts, return_tensors="pt", padding=True)
    torch.manual_seed(problem_seed(batch[0].id, sampling))  # the factory's seed for this batch
    with torch.inference_mode():
        output = model.generate(
            **encoded,
            do_sample=True,
            temperature=sampling.temperature,
            top_p=sampling.top_p,
            top_k=None,
            max_new_tokens=sampling.max_tokens,
            pad_token_id=tokenizer.pad_token_id,
        )
    new = output[:, encoded["input_ids"].shape[1] :].tolist()
    return sum(generator._completion(ids).tokens for ids in new)


def factory_tokens_per_s(generator, task, sampling, batch_problems: int) -> float:
    verifier = MathVerifier()
    try:
        with tempfile.TemporaryDirectory() as run_dir:
            stage = sample_verify_keep(task, generator, verifier, sampling, Path(run_dir), batch_problems)
    finally:
        verifier.close()
    return stage.summary["this_session"]["tokens_per_s"]


def measure(config: str, args) -> dict:
    backend, dtype, sequences = config.split(":")
    sequences = int(sequences)
    task = tasks.gsm8k(limit=args.problems)
    sampling = SamplingSettings(n=args.n, max_tokens=args.max_tokens)
    batch_problems = max(1, sequences // args.n)
    generator = make_generator(backend, dtype, sequences, args.model)
    try:
        generator.generate(
            [Request(task.messages(task.problems[0]), 1, 0)], SamplingSettings(n=1, max_tokens=4)
        )
        raw, factory = [], []
        for _ in range(args.repeats):
            if "raw" in args.modes:
                raw.append(raw_tokens_per_s(generator, task, sampling, batch_problems))
            if "factory" in args.modes:
                factory.append(factory_tokens_per_s(generator, task, sampling, batch_problems))
        chosen = getattr(generator, "dtype", None)
    finally:
        generator.close()
    return {
        "backend": backend,
        "dtype": chosen.dtype if chosen else "gguf as shipped",
        "sequences": sequences,
        "problems": args.problems,
        "n": args.n,
        "max_tokens": args.max_tokens,
        "raw_tokens_per_s": [round(x, 1) for x in raw],
        "factory_tokens_per_s": [round(x, 1) for x in factory],
        "factory_over_raw": _ratio(factory, raw),
    }


def _ratio(factory: list[float], raw: list[float]) -> float | None:
    return round(statistics.mean(factory) / statistics.mean(raw), 3) if raw and factory else None


def _mean(rates: list[float]) -> str:
    return f"{statistics.mean(rates):.1f}" if rates else "-"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--configs", default="hf:bfloat16:8,hf:float32:8,hf:float32:32,llamacpp::8,llamacpp::32"
    )
    parser.add_argument("--model", default="embedded")
    parser.add_argument("--problems", type=int, default=8)
    parser.add_argument("--n", type=int, default=4)
    parser.add_argument("--max-tokens", type=int, default=128)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--modes", default="raw,factory", help="raw, factory or both (comma-separated)")
    args = parser.parse_args()
    results = []
    for config in args.configs.split(","):
        results.append(measure(config, args))
        print(json.dumps(results[-1]), flush=True)
    print(f"CPU: {cpu_info('model name')}")
    print("| backend | dtype | sequences | raw tok/s | factory tok/s | factory / raw |")
    print("|---|---|---|---|---|---|")
    for r in results:
        raw, fac = (_mean(r[f"{mode}_tokens_per_s"]) for mode in ("raw", "factory"))
        cells = [r["backend"], r["dtype"], r["sequences"], raw, fac, r["factory_over_raw"]]
        print("| " + " | ".join(map(str, cells)) + " |")


if __name__ == "__main__":
    main()
