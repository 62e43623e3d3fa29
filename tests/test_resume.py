"""Resume writes what an uninterrupted run writes, whatever moment the run was killed at.

Covered: a problem cut between two of its samples (per-sample seeds and absolute sample indices),
texts with the separators `str.splitlines()` cuts at, training killed before or after its model
was renamed into place, scratch folders of a killed training, and a SIGKILL battery over a whole
STaR run (fakes for the generator and trainer, the real verifier) compared file by file with an
uninterrupted run. Not covered: a machine crash (the fsyncs are there; a test cannot pull the power).
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from factory import tasks
from factory.generators import SamplingSettings
from factory.generators.fake import FakeGenerator
from factory.rows import read_jsonl
from factory.run_folder import AttemptLog, RoundFolder
from factory.star.sample import sample_verify_keep
from tests.conftest import REPO
from verifiers.math import MathVerifier

SAMPLING = SamplingSettings(n=4, max_tokens=32)
SEPARATORS = "\u2028\u2029\u0085\x1c\x1d\x1e\x0b\x0c\r"


def indexed(messages, index):
    return f"sample {index}{SEPARATORS}of {messages[0]['content'][:12]} \\boxed{{{index}}}"


@pytest.fixture(scope="module")
def verifier():
    v = MathVerifier(workers=1)
    yield v
    v.close()


def _run(folder: Path, verifier) -> list[dict]:
    task = tasks.gsm8k(limit=3)
    sample_verify_keep(task, FakeGenerator(responder=indexed), verifier, SAMPLING, folder, batch_problems=2)
    return read_jsonl(folder / "attempts.jsonl")


def test_a_problem_cut_between_two_samples_resumes_with_the_samples_an_uninterrupted_run_drew(
    tmp_path, verifier
):
    whole = _run(tmp_path / "whole", verifier)
    log = (tmp_path / "whole" / "attempts.jsonl").read_bytes().split(b"\n")[:-1]
    for cut in range(1, len(log)):  # after every record, including between samples of one problem
        folder = tmp_path / f"cut-{cut}"
        folder.mkdir()
        (folder / "attempts.jsonl").write_bytes(b"\n".join(log[:cut]) + b"\n")
        assert _run(folder, verifier) == whole, cut


def test_any_text_a_model_can_emit_round_trips_through_the_log(tmp_path, verifier):
    written = _run(tmp_path, verifier)
    assert all(SEPARATORS in record["response"] for record in written)
    assert list(AttemptLog(tmp_path / "attempts.jsonl").records.values()) == written  # resume reads it back
    assert _run(tmp_path, verifier) == written  # and finds nothing missing


def test_a_model_renamed_into_place_before_the_round_marker_is_taken_not_retrained(tmp_path):
    here = RoundFolder(tmp_path / "round-0")
    calls = []

    def train(scratch):
        calls.append(scratch)
        (scratch / "weights").write_text("w")
        return {"train_loss": 0.25}

    assert here.place_model(train) == {"train_loss": 0.25}
    # killed here: the model is in place, round.json is not written
    assert here.trained() == {"train_loss": 0.25} and len(calls) == 1
    assert (here.model / "weights").read_text() == "w"


def test_a_killed_trainings_scratch_and_an_untrusted_model_folder_are_removed(tmp_path):
    here = RoundFolder(tmp_path / "round-0")
    (here.path / ".training-abc123" / "checkpoints").mkdir(parents=True)
    here.model.mkdir()
    (here.model / "half-written").write_text("")
    assert here.trained() is None
    assert not here.model.exists() and not list(here.path.glob(".training-*"))


# Fields that measure this invocation, not what was produced.
TIMING = {"tokens_per_s", "verifications_per_s", "this_session", "wall_s"}


def _snapshot(root: Path) -> dict[str, object]:
    """Every file of a run folder, parsed, with timing fields dropped and the root path neutral."""
    files = {}
    for path in sorted(root.rglob("*")):
        if path.is_dir() or path.suffix == ".png":
            continue
        text = path.read_text(encoding="utf-8").replace(str(root), "<run>")
        if path.suffix == ".jsonl":
            files[str(path.relative_to(root))] = [
                _untimed(json.loads(line)) for line in text.split("\n") if line
            ]
        elif path.suffix == ".json":
            files[str(path.relative_to(root))] = _untimed(json.loads(text))
        else:
            files[str(path.relative_to(root))] = text
    return files


def _untimed(value):
    if isinstance(value, dict):
        return {k: _untimed(v) for k, v in value.items() if k not in TIMING}
    if isinstance(value, list):
        return [_untimed(v) for v in value]
    return value


def _driver(run_dir: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.star_driver", str(run_dir)],
        cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip


def test_a_star_run_killed_at_ten_random_moments_writes_what_an_uninterrupted_run_writes(tmp_path):
    # One folder path for every run: a trained model's path is part of the next round's attempt
    # IDs (as in 0.1.0), so runs in two folders differ by design.
    folder = tmp_path / "run"
    started = time.monotonic()
    process = _driver(folder)
    assert process.wait(timeout=120) == 0, process.stderr.read().decode()[-2000:]
    duration = time.monotonic() - started
    expected = _snapshot(folder)
    assert any(name.endswith("model/training.json") for name in expected)  # training ran
    shutil.rmtree(folder)

    rng = random.Random(11)
    for k in range(10):  # one kill in each tenth of the run, at a random moment in it; then resume
        process = _driver(folder)
        try:
            process.wait(timeout=duration * (k + rng.random()) / 10)
        except subprocess.TimeoutExpired:
            os.kill(process.pid, signal.SIGKILL)  # a process this test started, by its PID
            process.wait(timeout=30)
        resumed = _driver(folder)
        assert resumed.wait(timeout=120) == 0, resumed.stderr.read().decode()[-2000:]
        assert _snapshot(folder) == expected, f"killed at tenth {k}"
        shutil.rmtree(folder)
