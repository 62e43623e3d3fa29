"""A run folder written by 0.1.0 (commit 5aa1306, before the redesign) resumes unchanged.

`tests/data/run-0.1.0/` was written by that commit's `StarLoop` with the fake generator below
(2 rounds, 4 GSM8K problems, n=4, a fake trainer, held-out on 2 test problems) in
`/tmp/sf-old-run`; `partial/` is that folder cut as a kill in round 1 would leave it (round 0
finished; of round 1's sampling, the attempts of two problems written and a ninth torn),
`expected/` what the uninterrupted run wrote for round 1.

Not covered here: a cut between two samples of one problem (`tests/test_resume.py` covers it on
folders this version writes; seeds are per sample now, the same numbers 0.1.0 wrote for a problem
whose samples were all missing, which is every problem this fixture resumes).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from factory import tasks
from factory.generators import SamplingSettings
from factory.generators.fake import FakeGenerator
from factory.quality.layer import QualityLayer
from factory.rows import read_jsonl
from factory.star.loop import StarLoop, StarSettings
from verifiers.math import MathVerifier

FIXTURE = Path(__file__).parent / "data" / "run-0.1.0"
OLD_ROOT = "/tmp/sf-old-run"  # where 0.1.0 wrote it: the trained model paths in round.json say so
PROBLEMS = tasks.gsm8k(limit=4).problems
TIMING = ("tokens_per_s", "verifications_per_s", "trained_model")


def responder(messages, index):
    """The generator 0.1.0 ran with: right on the first two problems' even samples, and with the hint."""
    content = messages[0]["content"]
    problem = next((p for p in PROBLEMS if p.question in content), None)
    if problem is None:
        return f"Sample {index}: I get \\boxed{{-1}}."
    if problem in PROBLEMS[:2] and index % 2 == 0 or "Hint:" in content:
        return f"Sample {index}: adding the pieces of {problem.id[:6]} gives \\boxed{{{problem.gold}}}."
    return f"Sample {index}: I get \\boxed{{-1}}."


def fake_train(rows, output_dir):
    output_dir.mkdir(parents=True, exist_ok=True)
    (output_dir / "rows.json").write_text(json.dumps(rows))
    return {"train_loss": 0.5}


@pytest.fixture
def resumed(tmp_path, embedder):
    run = tmp_path / "run"
    shutil.copytree(FIXTURE / "partial", run)
    models: list[str] = []

    def make_generator(model):
        models.append(model)
        return FakeGenerator(responder=responder, model=model)

    verifier = MathVerifier(workers=1)
    try:
        loop = StarLoop(
            tasks.gsm8k(limit=4), tasks.gsm8k(split="test", limit=2), make_generator, verifier, fake_train,
            SamplingSettings(n=4, max_tokens=32), StarSettings(rounds=2, train=True), run,
            quality=QualityLayer(tasks.gsm8k(limit=4), tasks.gsm8k(split="test", limit=2), embedder),
        )  # fmt: skip
        summaries = loop.run("base")
    finally:
        verifier.close()
    return run, models, summaries


def test_the_finished_round_is_taken_and_the_cut_round_continues_with_its_model(resumed):
    _, models, summaries = resumed
    assert models[0] == f"{OLD_ROOT}/round-0/model"  # round 0 was not sampled again
    assert [s["round"] for s in summaries] == [0, 1, "final"]


def _without_verifier_stamp(rows: list[dict]) -> list[dict]:
    # `mode`: 0.2.0 records how the answer was found (boxed, answer_phrase...); 0.1.0 wrote null.
    return [
        {k: v for k, v in row.items() if k not in ("verifier", "verifier_settings", "mode")} for row in rows
    ]


def test_the_resumed_attempt_log_is_what_an_uninterrupted_run_wrote(resumed):
    # The verifier is newer than the one that wrote the folder: verdicts and reasons are the same,
    # and each attempt keeps the stamp of the verifier that judged it (old ones 0.1.0, new 0.2.0).
    run, _, _ = resumed
    written = read_jsonl(run / "round-1" / "sample" / "attempts.jsonl")
    expected = read_jsonl(FIXTURE / "expected" / "round-1-sample-attempts.jsonl")
    lines = (FIXTURE / "partial" / "round-1" / "sample" / "attempts.jsonl").read_text().split("\n")
    kept = len(lines) - 1  # the last line is the torn one
    assert _without_verifier_stamp(written) == _without_verifier_stamp(expected)
    assert {row["verifier"] for row in written[:kept]} == {"math@0.1.0"}
    assert {row["verifier"] for row in written[kept:]} == {f"math@{MathVerifier.version}"}


def test_the_resumed_round_selects_and_reports_what_the_uninterrupted_run_did(resumed):
    run, _, summaries = resumed
    assert read_jsonl(run / "round-1" / "train.jsonl") == read_jsonl(
        FIXTURE / "expected" / "round-1-train.jsonl"
    )
    expected = json.loads((FIXTURE / "expected" / "round-1-round.json").read_text())
    # Every figure 0.1.0 reported is the same; newer ones (intervals, greedy held-out) are added.
    assert {k: summaries[1][k] for k in expected if k not in TIMING} == {
        k: v for k, v in expected.items() if k not in TIMING
    }
