"""`python -m verifiers.math`: verdicts added in input order; bad rows named; earlier rows kept."""

from __future__ import annotations

import json

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
    assert result[0]["verifier"] == "math@0.1.0" and result[0]["extracted"] == "1200"
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
