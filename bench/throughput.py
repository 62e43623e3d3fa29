"""Factory tokens/s as a ratio of the raw engine's tokens/s, same model, settings, batches, seeds.

Raw: tokenizer + `model.generate` + token counting, nothing else. Factory: the full
`sample_verify_keep` (planning, the same generate calls, verification, appending attempts, the
train set and summary) in a fresh run folder, timed from start to summary. Both use one loaded
model, so load time is in neither. Runs alternate raw / factory `--repeats` times to spread drift.

    python -m bench.throughput [--problems 16 --n 4 --max-tokens 256 --repeats 2]
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
from factory.generators.hf import HFGenerator
from factory.star.sample import _request_seed, sample_verify_keep
from verifiers.math import MathVerifier


def raw_tokens_per_s(generator: HFGenerator, task, sampling: SamplingSettings, batch_problems: int) -> float:
    torch, tokenizer, model = generator._torch, generator.tokenizer, generator.model
    tokens, elapsed = 0, 0.0
    for start in range(0, len(task.problems), batch_problems):
        batch = task.problems[start : start + batch_problems]
        texts = [
            tokenizer.apply_chat_template(list(task.messages(p)), tokenize=False, add_generation_prompt=True)
            for p in batch
            for _ in range(sampling.n)
        ]
        started = time.perf_counter()
        encoded = tokenizer(texts, return_tensors="pt", padding=True)
        torch.manual_seed(_request_seed(batch[0].id, sampling, 0))  # the factory's seed for this batch
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
        tokens += sum(generator._completion(ids).tokens for ids in new)
        elapsed += time.perf_counter() - started
    return tokens / elapsed


def factory_tokens_per_s(generator, task, sampling, batch_problems: int) -> float:
    verifier = MathVerifier()
    try:
        with tempfile.TemporaryDirectory() as run_dir:
            stage = sample_verify_keep(task, generator, verifier, sampling, Path(run_dir), batch_problems)
    finally:
        verifier.close()
    return stage.summary["this_session"]["tokens_per_s"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="embedded")
    parser.add_argument("--problems", type=int, default=16)
    parser.add_argument("--n", type=int, default=4)
    parser.add_argument("--max-tokens", type=int, default=256)
    parser.add_argument("--batch-problems", type=int, default=8)
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()

    task = tasks.gsm8k(limit=args.problems)
    sampling = SamplingSettings(n=args.n, max_tokens=args.max_tokens)
    generator = HFGenerator(model=args.model, max_batch_sequences=args.batch_problems * args.n)
    generator.generate([Request(task.messages(task.problems[0]), 1, 0)], SamplingSettings(n=1, max_tokens=4))
    raw, factory = [], []
    for _ in range(args.repeats):
        raw.append(raw_tokens_per_s(generator, task, sampling, args.batch_problems))
        factory.append(factory_tokens_per_s(generator, task, sampling, args.batch_problems))
    result = {
        "model": generator.model_id,
        "problems": args.problems,
        "n": args.n,
        "max_tokens": args.max_tokens,
        "raw_tokens_per_s": [round(x, 1) for x in raw],
        "factory_tokens_per_s": [round(x, 1) for x in factory],
        "ratio": round(statistics.mean(factory) / statistics.mean(raw), 3),
    }
    print(json.dumps(result, indent=2))
    print(f"factory / raw tokens/s = {result['ratio']:.3f} (target >= 0.95)")


if __name__ == "__main__":
    main()
