"""Diverse prompting: styles assigned per (problem, sample), part of the attempt ID, given to the
generator as a system message and stripped from what is trained on; a resumed or extended run
keeps every sample's style. Through the real personas config and the real math verifier."""

from __future__ import annotations

import json
from pathlib import Path

from factory import tasks
from factory.generators import SamplingSettings
from factory.generators.fake import FakeGenerator
from factory.prompting import PLAIN, Prompting
from factory.rows import read_jsonl
from factory.star.sample import sample_verify_keep
from verifiers.math import MathVerifier

PERSONAS = Path(__file__).resolve().parents[1] / "conf" / "prompting" / "personas.yaml"


def personas() -> Prompting:
    from hydra.utils import instantiate
    from omegaconf import OmegaConf

    return instantiate(OmegaConf.load(PERSONAS), _convert_="all")


def test_a_problems_first_samples_get_distinct_styles_the_same_on_every_call():
    prompting = personas()
    count = len(prompting.styles)
    names = [prompting.style("p-1", i).name for i in range(count)]
    assert len(set(names)) == count and names == [prompting.style("p-1", i).name for i in range(count)]
    assert prompting.style("p-1", count).name == names[0]  # round robin from a per-problem offset
    assert PLAIN.style("p-1", 0) is None


def _run(folder: Path, n: int, prompting: Prompting, seen: list) -> list[dict]:
    task = tasks.gsm8k(limit=2)
    golds = {p.question: p.gold for p in task.problems}

    def responder(messages, index):
        seen.append((messages[0]["role"], messages[0]["content"][:40], index))
        question = next(q for q in golds if q in messages[-1]["content"])
        return f"So the answer is \\boxed{{{golds[question]}}}."

    verifier = MathVerifier(workers=1)
    try:
        sample_verify_keep(
            task, FakeGenerator(responder=responder), verifier, SamplingSettings(n=n, max_tokens=16),
            folder, prompting=prompting,
        )  # fmt: skip
    finally:
        verifier.close()
    return read_jsonl(folder / "attempts.jsonl")


def test_styles_reach_the_generator_are_recorded_and_leave_the_train_rows(tmp_path):
    seen: list = []
    prompting = personas()
    records = _run(tmp_path / "styled", 3, prompting, seen)
    assert all(role == "system" for role, _, _ in seen) and len(seen) == 6
    assert [r["style"] for r in records] == [
        prompting.style(r["problem_id"], r["sample_index"]).name for r in records
    ]
    plain = _run(tmp_path / "plain", 3, PLAIN, [])
    assert not {r["id"] for r in records} & {r["id"] for r in plain}  # the style is part of the ID
    assert "style" not in plain[0]
    rows = [json.loads(line) for line in (tmp_path / "styled" / "train.jsonl").read_text().splitlines()]
    assert len(rows) == 6 and all(row["messages"][0]["role"] == "user" for row in rows)


def test_raising_n_keeps_every_written_samples_style_and_redoes_none(tmp_path):
    prompting, seen = personas(), []
    first = _run(tmp_path / "run", 2, prompting, seen)
    seen.clear()
    extended = _run(tmp_path / "run", 4, prompting, seen)
    assert sorted(index for _, _, index in seen) == [2, 2, 3, 3]  # only the new samples
    assert extended[: len(first)] == first
