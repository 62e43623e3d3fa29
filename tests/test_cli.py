"""`python -m factory` through real Hydra: a fake-generator run, and the bad-input messages."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from omegaconf import OmegaConf

from tests.conftest import REPO


def factory_cli(*overrides: str, cwd=REPO) -> subprocess.CompletedProcess:
    env = {**os.environ, "WANDB_MODE": "offline", "WANDB_SILENT": "true", "HF_HUB_OFFLINE": "1"}
    return subprocess.run(
        [sys.executable, "-m", "factory", *overrides],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_fake_run_writes_the_run_folder_and_ends_with_its_path(tmp_path):
    result = factory_cli("generator=fake", "task.limit=5", f"hydra.run.dir={tmp_path}")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == f"run dir: {tmp_path}"
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert (summary["problems"], summary["attempts"], summary["solved"]) == (5, 20, 1)
    assert list((tmp_path / "wandb").glob("offline-run-*")), "no offline W&B run was written"


def test_bad_problem_file_names_file_line_field_before_any_model_loads(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"question": "q", "answer": "#### 1"}\n{"question": "q2"}\n')
    result = factory_cli(
        "generator.model=/no/such/model", f"task.source={bad}", f"hydra.run.dir={tmp_path}/run"
    )
    assert result.returncode != 0
    assert f"error: {bad}:line 2: missing field 'answer'" in result.stderr
    assert not (tmp_path / "run" / "attempts.jsonl").exists()


def test_missing_model_path_is_one_plain_line(tmp_path):
    result = factory_cli("generator.model=/no/such/model", f"hydra.run.dir={tmp_path}")
    assert result.returncode != 0
    assert "error: model path '/no/such/model' does not exist" in result.stderr
    assert "Traceback" not in result.stderr


def test_unknown_option_gets_hydras_error(tmp_path):
    result = factory_cli("sampling.temprature=0.5", f"hydra.run.dir={tmp_path}")
    assert result.returncode != 0
    assert "Could not override 'sampling.temprature'" in result.stderr


def test_a_2x2_sweep_runs_each_job_in_its_own_process_and_ranks_them(tmp_path):
    result = factory_cli(
        "-m",
        "generator=fake",
        "task.limit=3",
        "star.rationalize=false",
        "sampling.n=1,2",
        "task.offset=0,1",
        f"hydra.sweep.dir={tmp_path}",
    )
    assert result.returncode == 0, result.stderr[-2000:]
    ranking = json.loads((tmp_path / "sweep_summary.json").read_text())
    assert len(ranking) == 4
    assert [job["pass@1"] for job in ranking] == sorted((job["pass@1"] for job in ranking), reverse=True)
    assert ranking[0]["pass@1"] > 0 == ranking[-1]["pass@1"]  # only offset 0 holds the 72 problem
    pids = {
        json.loads((tmp_path / job["job"] / "summary.json").read_text())["this_session"]["pid"]
        for job in ranking
    }
    assert len(pids) == 4, "jobs shared a process"
    groups = {OmegaConf.load(path).wandb.group for path in tmp_path.glob("*/.hydra/config.yaml")}
    assert groups == {tmp_path.name}, "the jobs of one sweep share one W&B group"
    assert f"sweep summary: {tmp_path / 'sweep_summary.json'}" in result.stdout


def test_code_run_through_hydra_and_the_real_sandbox(tmp_path):
    right = (
        "```python\ndef first_repeated_char(s):\n    seen = set()\n    for c in s:\n        if c in seen:\n"
    )
    right += "            return c\n        seen.add(c)\n    return None\n```"
    result = factory_cli(
        "task=mbpp", "verifier=code", "generator=fake", f"generator.text='{right}'",
        "task.limit=2", "sampling.n=2", f"hydra.run.dir={tmp_path}",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert (summary["solved"], summary["problems"]) == (1, 2)  # the code solves MBPP 602 only
    attempts = [json.loads(line) for line in (tmp_path / "round-0/sample/attempts.jsonl").open()]
    assert {(a["problem_id"], a["verdict"], a["mode"]) for a in attempts} == {
        ("602", "correct", "values"),
        ("603", "incorrect", "values"),
    }


def test_a_missing_docker_engine_stops_a_code_run_with_one_line(tmp_path):
    result = factory_cli(
        "task=mbpp", "verifier=code", "sandbox=docker", "generator=fake", f"hydra.run.dir={tmp_path}"
    )
    if result.returncode == 0:
        pytest.skip("a Docker engine answers here")
    assert "error: no Docker engine answers at" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize(
    "overrides,message",
    [
        (("task=mbpp",), "error: task 'mbpp' is a code task, but the verifier (verifiers.math.MathVerifier)"),
        (
            ("verifier=code",),
            "error: task 'gsm8k' is a math task, but the verifier (verifiers.code.CodeVerifier)",
        ),
    ],
)
def test_a_task_and_a_verifier_of_different_kinds_stop_before_any_model_loads(tmp_path, overrides, message):
    result = factory_cli(*overrides, "generator.model=/no/such/model", f"hydra.run.dir={tmp_path}")
    assert result.returncode != 0 and message in result.stderr, result.stderr[-2000:]
    assert "Traceback" not in result.stderr and not (tmp_path / "round-0").exists()
