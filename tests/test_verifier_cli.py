"""`python -m verifiers.math`: verdicts added in input order; bad rows named; earlier rows kept."""

from __future__ import annotations

import json

import pytest

from verifiers.math.__main__ import main


def write(path, rows):
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows))
    return path


def test_adds_verdicts_in_input_order(tmp_path, capsys):
    rows = [
        {"answer": "x\n#### 1,200", "response": "so \\boxed{1200}", "id": 1},
        {"answer": "x^2+2x+1", "response": "\\boxed{(x+1)^2}", "id": 2},  # symbolic path
        {"answer": "5", "response": "\\boxed{6}", "id": 3},
    ]
    out = tmp_path / "out.jsonl"
    assert main([str(write(tmp_path / "in.jsonl", rows)), "-o", str(out), "--workers", "1"]) == 0
    result = [json.loads(line) for line in out.read_text().splitlines()]
    assert [(r["id"], r["verdict"]) for r in result] == [(1, "correct"), (2, "correct"), (3, "incorrect")]
    assert result[0]["verifier"] == "math@0.2.0" and result[0]["extracted"] == "1200"
    assert "3 rows: 2 correct, 1 incorrect, 0 unverifiable" in capsys.readouterr().out


def test_bad_row_is_named_and_rows_before_it_are_kept(tmp_path, capsys):
    rows = [
        {"answer": "1", "response": "\\boxed{1}"},
        {"answer": "x^2", "response": "\\boxed{x \\cdot x}"},
        {"answer": "2"},
    ]
    out = tmp_path / "out.jsonl"
    assert main([str(write(tmp_path / "in.jsonl", rows)), "-o", str(out)]) == 2
    assert "in.jsonl:line 3: missing or non-text field 'response'" in capsys.readouterr().err
    assert [json.loads(line)["verdict"] for line in out.read_text().splitlines()] == ["correct", "correct"]


def test_code_cli_takes_humaneval_and_mbpp_rows(tmp_path, capsys):
    from verifiers.code.__main__ import main as code_main

    humaneval_row = {
        "task_id": "H/0",
        "prompt": "def add(a, b):\n",
        "entry_point": "add",
        "test": "def check(candidate):\n    assert candidate(1, 2) == 3\n",
        "response": "    return a + b\n",  # a body completion, as HumanEval samples are written
    }
    mbpp_row = {
        "task_id": 7,
        "text": "Write add.",
        "test_list": ["assert add(2, 2) == 4"],
        "response": "no code, sorry.",
    }
    out = tmp_path / "out.jsonl"
    assert code_main([str(write(tmp_path / "in.jsonl", [humaneval_row, mbpp_row])), "-o", str(out)]) == 0
    result = [json.loads(line) for line in out.read_text().splitlines()]
    assert [(r["verdict"], r["reason"]) for r in result] == [("correct", "passed"), ("incorrect", "no_code")]
    assert result[0]["mode"] == "values" and result[0]["verifier"] == "code@0.2.0"
    assert "2 rows: 1 correct, 1 incorrect, 0 unverifiable" in capsys.readouterr().out


def test_code_cli_names_a_row_of_neither_format(tmp_path, capsys):
    from verifiers.code.__main__ import main as code_main

    good = {
        "task_id": 1,
        "test_list": ["assert f() == 1"],
        "text": "t",
        "response": "def f():\n    return 1\n",
    }
    out = tmp_path / "out.jsonl"
    status = code_main([str(write(tmp_path / "in.jsonl", [good, {"response": "x"}])), "-o", str(out)])
    assert status == 2 and "in.jsonl:line 2: neither a HumanEval row" in capsys.readouterr().err
    assert json.loads(out.read_text())["verdict"] == "correct"  # the row before it was written


def test_sandbox_cli_prints_the_result_as_json(tmp_path, capsys):
    from sandboxes.__main__ import main as sandbox_main

    program = tmp_path / "p.py"
    program.write_text("import sys\nprint('out')\nsys.exit(3)\n")
    assert sandbox_main([str(program), "--timeout", "5"]) == 1
    result = json.loads(capsys.readouterr().out)
    assert (result["status"], result["exit_code"], result["stdout"]) == ("error", 3, "out\n")
    assert result["layers"]


def test_sandbox_cli_says_fast_when_docker_is_missing(tmp_path, capsys):
    import time

    from sandboxes.__main__ import main as sandbox_main

    program = tmp_path / "p.py"
    program.write_text("print(1)\n")
    started = time.monotonic()
    status = sandbox_main([str(program), "--backend", "docker"])
    if status != 2:
        pytest.skip("a Docker engine answers here")
    assert "docker sandbox unavailable: no Docker engine answers" in capsys.readouterr().err
    assert time.monotonic() - started < 3.0
