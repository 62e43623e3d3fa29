"""The sample-verify-keep loop with fakes: files, pass rates, resume, and a real SIGKILL."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from concurrent.futures import Future

import pytest

from factory import tasks
from factory.generators import SamplingSettings
from factory.generators.fake import FakeGenerator
from factory.star.sample import sample_verify_keep
from tests.conftest import REPO
from verifiers import Verdict
from verifiers.math import MathVerifier

SAMPLING = SamplingSettings(n=4, max_tokens=32)


def right_on_even_samples(messages, index):
    """Answers the embedded GSM8K problems by looking up the gold: right on even sample indices."""
    question = messages[0]["content"]
    gold = next(p.gold for p in tasks.gsm8k(limit=100).problems if p.question in question)
    return f"Step by step... \\boxed{{{gold if index % 2 == 0 else int(gold) + 1}}}"


@pytest.fixture
def verifier():
    v = MathVerifier(timeout_s=5, workers=1)
    yield v
    v.close()


def read_jsonl(path):
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_writes_attempts_train_rows_and_summary(tmp_path, verifier):
    task = tasks.gsm8k(limit=6)
    summary = sample_verify_keep(
        task, FakeGenerator(responder=right_on_even_samples), verifier, SAMPLING, tmp_path, batch_problems=4
    ).summary
    attempts = read_jsonl(tmp_path / "attempts.jsonl")
    assert len(attempts) == 24 and len({a["id"] for a in attempts}) == 24
    assert {a["verdict"] for a in attempts} == {"correct", "incorrect"}
    assert attempts[0]["verifier"] == "math@0.2.0" and attempts[0]["model"] == "fake"
    assert (summary["correct"], summary["pass@1"], summary["pass@4"], summary["solved"]) == (12, 0.5, 1.0, 6)
    assert json.loads((tmp_path / "summary.json").read_text()) == summary


def test_train_rows_load_with_datasets_as_chat(tmp_path, verifier):
    import datasets

    task = tasks.gsm8k(limit=3)
    sample_verify_keep(task, FakeGenerator(responder=right_on_even_samples), verifier, SAMPLING, tmp_path)
    rows = datasets.load_dataset("json", data_files=str(tmp_path / "train.jsonl"), split="train")
    assert len(rows) == 6
    assert [m["role"] for m in rows[0]["messages"]] == ["user", "assistant"]
    assert "\\boxed{72}" in rows[0]["messages"][1]["content"]


class UnsureVerifier:
    name, version, settings_hash = "unsure", "0", "0"

    def submit(self, problem, response):
        future = Future()
        future.set_result(
            Verdict("unverifiable", "timeout", None) if "9" in problem.gold else Verdict("incorrect", "x")
        )
        return future


def test_unverifiable_attempts_are_not_counted_as_wrong(tmp_path):
    task = tasks.gsm8k(limit=10)
    summary = sample_verify_keep(task, FakeGenerator(), UnsureVerifier(), SAMPLING, tmp_path).summary
    unsure_problems = sum("9" in p.gold for p in task.problems)
    assert summary["unverifiable"] == 4 * unsure_problems > 0
    assert summary["incorrect"] == 4 * (10 - unsure_problems)


class FailingAfter(FakeGenerator):
    def __init__(self, batches: int, **kwargs):
        super().__init__(**kwargs)
        self.batches = batches

    def generate(self, requests, sampling):
        if len(self.calls) == self.batches:
            raise KeyboardInterrupt("stopped mid-run")
        return super().generate(requests, sampling)


def test_resume_generates_only_what_is_missing(tmp_path, verifier):
    task = tasks.gsm8k(limit=10)
    with pytest.raises(KeyboardInterrupt):
        sample_verify_keep(
            task,
            FailingAfter(3, responder=right_on_even_samples),
            verifier,
            SAMPLING,
            tmp_path,
            batch_problems=2,
        )
    written = len(read_jsonl(tmp_path / "attempts.jsonl"))
    assert 0 < written < 40
    second = FakeGenerator(responder=right_on_even_samples)
    summary = sample_verify_keep(task, second, verifier, SAMPLING, tmp_path, batch_problems=2).summary
    attempts = read_jsonl(tmp_path / "attempts.jsonl")
    assert len(attempts) == len({a["id"] for a in attempts}) == 40
    assert sum(second.calls) * 4 == 40 - written
    assert summary["attempts"] == 40 and summary["this_session"]["attempts"] == 40 - written


def test_finished_run_redoes_nothing_and_more_samples_add_only_new_ones(tmp_path, verifier):
    task = tasks.gsm8k(limit=3)
    sample_verify_keep(task, FakeGenerator(), verifier, SAMPLING, tmp_path)
    again = FakeGenerator()
    sample_verify_keep(task, again, verifier, SAMPLING, tmp_path)
    assert again.calls == []
    more = FakeGenerator()
    summary = sample_verify_keep(task, more, verifier, SamplingSettings(n=6, max_tokens=32), tmp_path).summary
    assert summary["attempts"] == 18 and summary["this_session"]["attempts"] == 6


def test_torn_last_line_is_cut_and_redone(tmp_path, verifier):
    task = tasks.gsm8k(limit=2)
    sample_verify_keep(task, FakeGenerator(), verifier, SAMPLING, tmp_path)
    log = tmp_path / "attempts.jsonl"
    lines = log.read_text().splitlines(keepends=True)
    log.write_text("".join(lines[:-1]) + lines[-1][:25])  # a write cut off by a kill
    summary = sample_verify_keep(task, FakeGenerator(), verifier, SAMPLING, tmp_path).summary
    assert summary["attempts"] == 8 and summary["this_session"]["attempts"] == 1
    assert len(read_jsonl(log)) == 8


SLOW_RUN = """
import sys, time
from factory import tasks
from factory.generators import SamplingSettings
from factory.generators.fake import FakeGenerator
from factory.star.sample import sample_verify_keep
from verifiers.math import MathVerifier
from pathlib import Path

class Slow(FakeGenerator):
    def generate(self, requests, sampling):
        time.sleep(0.3)
        return super().generate(requests, sampling)

if __name__ == "__main__":
    sample_verify_keep(tasks.gsm8k(limit=40), Slow(), MathVerifier(), SamplingSettings(n=2, max_tokens=8),
                       Path(sys.argv[1]), batch_problems=1)
"""


def test_sigkill_mid_run_loses_nothing_written_and_duplicates_nothing(tmp_path, verifier):
    script = tmp_path / "slow_run.py"
    script.write_text(SLOW_RUN)
    log = tmp_path / "attempts.jsonl"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    process = subprocess.Popen([sys.executable, str(script), str(tmp_path)], env=env)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and (not log.exists() or len(log.read_text().splitlines()) < 10):
        time.sleep(0.05)
    os.kill(process.pid, signal.SIGKILL)  # our own child, by PID
    process.wait()
    survived = {json.loads(line)["id"] for line in log.read_text().splitlines() if line.endswith("}")}
    assert 10 <= len(survived) < 80
    summary = sample_verify_keep(
        tasks.gsm8k(limit=40), FakeGenerator(), verifier, SamplingSettings(n=2, max_tokens=8), tmp_path
    ).summary
    ids = [a["id"] for a in read_jsonl(log)]
    assert len(ids) == len(set(ids)) == 80 and survived <= set(ids)
    assert summary["this_session"]["attempts"] == 80 - len(survived)
