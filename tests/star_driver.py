"""A whole STaR run with fakes, as a process a test can SIGKILL: `python -m tests.star_driver RUN_DIR`.

Two rounds on 6 GSM8K problems (n=4), rationalization, a held-out task, training with a fake
trainer that writes a few files slowly, and the real math verifier. The fake generator answers from
the gold on even sample indices (and always with the hint), with a short sleep per sample so that
kills land across every stage. Deterministic: two runs write the same files but for timing fields.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from factory import tasks
from factory.generators import SamplingSettings
from factory.generators.fake import FakeGenerator
from factory.star.loop import StarLoop, StarSettings
from verifiers.math import MathVerifier

PROBLEMS = tasks.gsm8k(limit=6).problems + tasks.gsm8k(split="test", limit=3).problems


def responder(messages, index):
    time.sleep(0.01)
    content = messages[0]["content"]
    problem = next(p for p in PROBLEMS if p.question in content)
    right = index % 2 == 0 and problem.id < "q-8" or "Hint:" in content
    return f"Sample {index} of {problem.id[:8]}\u2028line two: \\boxed{{{problem.gold if right else -1}}}"


def fake_train(rows, output_dir: Path) -> dict:
    for part in range(3):
        time.sleep(0.05)
        (output_dir / f"part-{part}.json").write_text(json.dumps(rows[part::3]))
    return {"train_loss": round(1.0 / (1 + len(rows)), 6)}


def main(run_dir: str) -> None:
    verifier = MathVerifier(workers=1)
    try:
        loop = StarLoop(
            tasks.gsm8k(limit=6), tasks.gsm8k(split="test", limit=3),
            lambda model: FakeGenerator(responder=responder, model=model), verifier, fake_train,
            SamplingSettings(n=4, max_tokens=32), StarSettings(rounds=2, train=True), Path(run_dir),
            batch_problems=2,
        )  # fmt: skip
        loop.run("base")
    finally:
        verifier.close()


if __name__ == "__main__":
    main(sys.argv[1])
