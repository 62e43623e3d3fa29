"""STaR rounds: hint-leak check, selection, rationalization with the hint stripped, rounds that
reload the trained model, resume; and one end-to-end run with a real (tiny) fine-tune."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from factory import tasks
from factory.generators import Request, SamplingSettings
from factory.generators.fake import FakeGenerator
from factory.star.loop import StarLoop, StarSettings
from factory.star.rationalize import hint_leak
from factory.star.select import select
from factory.tasks import Problem, Task
from verifiers import Verdict, done
from verifiers.code.gold import CodeGold
from verifiers.math import MathVerifier

PROBLEM = Problem("p1", "Tom has 3 bags of 4 apples. How many apples?", "12")


@pytest.mark.parametrize(
    "response,expected",
    [
        ("3 bags of 4 apples is 3 * 4 = 12 apples in all, so the total is \\boxed{12}.", None),
        ("Using the hint, the answer is 12. Indeed 3 * 4 = 12. \\boxed{12}", "mentions_hint"),
        ("Since the given answer is 12, we check: 3 * 4 = 12. \\boxed{12}", "mentions_hint"),
        (
            "12. Tom has three bags and each holds four apples, three times four makes \\boxed{12}",
            "answer_first",
        ),
        ("We are given 3 bags with 4 apples each; 3 * 4 = 12, so \\boxed{12}.", None),
    ],
)
def test_hint_leak(response, expected):
    assert hint_leak(response, PROBLEM) == expected


CODE_PROBLEM = Problem(
    "c1",
    "Write f, which doubles x.\nYour code should pass this test:\nassert f(1) == 2",
    CodeGold(tests="assert f(1) == 2\nassert f(2) == 4\nassert f(5) == 10\n"),
    "assert f(1) == 2\nassert f(2) == 4\nassert f(5) == 10",
)
DOUBLE = "```python\ndef f(x):\n    return 2 * x\n"


@pytest.mark.parametrize(
    "response,expected",
    [
        (DOUBLE + "```", None),
        (DOUBLE + "\nassert f(1) == 2\n```", None),  # the test the question shows may be repeated
        (DOUBLE + "\nassert f(5) == 10\n```", "quotes_tests"),  # a test only the hint showed
        ("The hint's tests need doubling.\n" + DOUBLE + "```", "mentions_hint"),
    ],
)
def test_code_hint_leak(response, expected):
    assert hint_leak(response, CODE_PROBLEM, "code") == expected


def test_answer_that_is_in_the_question_may_come_early():
    problem = Problem("p2", "What is 7 plus 0?", "7")
    assert hint_leak("7 plus 0 stays 7, since adding zero changes nothing: \\boxed{7}", problem) is None


def row(problem_id: str, text: str) -> dict:
    return {
        "problem_id": problem_id,
        "messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": text}],
    }


def test_select_caps_per_problem_in_order():
    rows = [row("a", "one"), row("a", "two"), row("a", "three"), row("b", "only")]
    kept = select(rows, max_per_problem=2)
    assert [r["messages"][1]["content"] for r in kept] == ["one", "two", "only"]


def solves_only_with_hint(messages, index):
    """Right on the first 2 embedded problems always; on the others only when the hint is there."""
    content = messages[0]["content"]
    problem = next((p for p in tasks.gsm8k(limit=4).problems if p.question in content), None)
    if problem is None:  # a held-out problem
        return "I get \\boxed{-1}."
    easy = problem.question in [p.question for p in tasks.gsm8k(limit=2).problems]
    if easy or "Hint:" in content:
        return f"Step {index}: we add up the pieces carefully and get \\boxed{{{problem.gold}}}."
    return "I get \\boxed{-1}."


class Counting:
    """make_generator fake: records which model each round was built with."""

    def __init__(self):
        self.models: list[str] = []

    def __call__(self, model: str):
        self.models.append(model)
        return FakeGenerator(responder=solves_only_with_hint, model=model)


def fake_train(rows, output_dir: Path) -> dict:
    output_dir.mkdir(parents=True, exist_ok=True)
    (output_dir / "rows.json").write_text(json.dumps(rows))
    return {"train_loss": 0.5}


@pytest.fixture
def verifier():
    v = MathVerifier(workers=1)
    yield v
    v.close()


def star(tmp_path, verifier, make_generator, rounds=2, train=fake_train, quality=None) -> StarLoop:
    return StarLoop(
        tasks.gsm8k(limit=4),
        tasks.gsm8k(split="test", limit=2),
        make_generator,
        verifier,
        train,
        SamplingSettings(n=2, max_tokens=32),
        StarSettings(rounds=rounds, train=True),
        tmp_path,
        quality=quality,
    )


def quality_layer(task, embedder, decontaminate=True):
    from factory.quality.layer import DecontaminationSettings, QualityLayer, QualitySettings

    settings = QualitySettings(decontaminate=DecontaminationSettings(enabled=decontaminate))
    return QualityLayer(task, None, embedder, settings)


def test_rationalized_rows_have_the_hint_stripped_and_are_marked(tmp_path, verifier):
    summaries = star(tmp_path, verifier, Counting(), rounds=1).run("base")
    rows = [json.loads(line) for line in (tmp_path / "round-0" / "train.jsonl").read_text().splitlines()]
    rationalized = [r for r in rows if r["source"] == "rationalization"]
    assert {r["problem_id"] for r in rationalized} == {p.id for p in tasks.gsm8k(limit=4).problems[2:]}
    assert all("Hint" not in r["messages"][0]["content"] for r in rows)
    assert summaries[0]["accepted_sampling"] == 4 and summaries[0]["accepted_rationalization"] == 4


def test_rationalize_samples_sets_the_hinted_samples_per_unsolved_problem(tmp_path, verifier):
    loop = star(tmp_path, verifier, Counting(), rounds=1)
    loop.settings = StarSettings(rounds=1, train=True, rationalize_samples=1)
    loop.run("base")
    hinted = (tmp_path / "round-0" / "rationalize" / "attempts.jsonl").read_text().splitlines()
    assert len(hinted) == 2  # two unsolved problems, one hinted sample each (sampling.n is 2)


def test_each_round_samples_with_the_model_trained_in_the_round_before(tmp_path, verifier, embedder):
    make = Counting()
    quality = quality_layer(tasks.gsm8k(limit=4), embedder)
    summaries = star(tmp_path, verifier, make, quality=quality).run("base")
    assert make.models[:2] == ["base", str(tmp_path / "round-0" / "model")]
    assert make.models[-1] == str(tmp_path / "round-1" / "model")  # the final held-out evaluation
    assert summaries[-1]["round"] == "final" and summaries[1]["model"] == str(tmp_path / "round-0" / "model")
    trained_on = json.loads((tmp_path / "round-1" / "model" / "rows.json").read_text())
    assert (
        len(trained_on)
        == len({json.dumps(r["messages"]) for r in trained_on})
        == summaries[1]["selected_rows"]
    )


def test_finished_rounds_are_not_redone(tmp_path, verifier):
    star(tmp_path, verifier, Counting()).run("base")
    again = Counting()
    summaries = star(tmp_path, verifier, again).run("base")
    assert again.models == [str(tmp_path / "round-1" / "model")]  # only the final evaluation, itself resumed
    assert [s["round"] for s in summaries] == [0, 1, "final"]


def test_interrupted_training_resumes_the_round_without_resampling(tmp_path, verifier):
    def failing_train(rows, output_dir):
        raise KeyboardInterrupt("killed while training")

    with pytest.raises(KeyboardInterrupt):
        star(tmp_path, verifier, Counting(), rounds=1, train=failing_train).run("base")
    lines = (tmp_path / "round-0" / "sample" / "attempts.jsonl").read_text().splitlines()
    summaries = star(tmp_path, verifier, Counting(), rounds=1).run("base")
    assert (tmp_path / "round-0" / "sample" / "attempts.jsonl").read_text().splitlines() == lines
    assert summaries[0]["train_loss"] == 0.5


class LastWordVerifier:
    """Correct when the response's last word is the gold: the tiny random model marks no answer,
    and this test is about training between rounds, not about reading answers."""

    name, version, kind, settings_hash = "last-word", "0", "math", "none"

    def submit(self, problem, response):
        words = response.split() or ["0"]
        return done(Verdict("correct" if words[-1] == problem.gold else "incorrect", "last_word", words[-1]))

    def close(self):
        pass


@pytest.mark.slow
def test_star_end_to_end_with_a_real_tiny_finetune(tmp_path, tiny_model_dir):
    """The tiny random model, greedy: golds are set to what it answers for two problems (so they
    are solved) and to something else for the others; a real LoRA fine-tune runs between rounds,
    and round 1 samples from the trained folder."""
    from factory.generators.hf import HFGenerator
    from factory.star.train import TrainSettings, finetune

    def make_generator(model):
        return HFGenerator(model=model, dtype="float32", device="cpu")

    greedy = SamplingSettings(n=1, temperature=0.0, max_tokens=8)
    questions = ["1 plus 2", "what is 3", "7 times 2", "the answer is what"]
    probe = make_generator(str(tiny_model_dir))
    outputs = [
        c[0].text
        for c in probe.generate([Request(({"role": "user", "content": q},), 1, 0) for q in questions], greedy)
    ]
    probe.close()
    golds = [(out.split() or ["0"])[-1] if i < 2 else "12345" for i, out in enumerate(outputs)]
    task = Task(
        "tiny", tuple(Problem(f"t{i}", q, g) for i, (q, g) in enumerate(zip(questions, golds))), "{question}"
    )

    def train(rows, output_dir):
        result = finetune(
            str(tiny_model_dir),
            rows,
            output_dir,
            TrainSettings(max_steps=3, batch_size=2, lora_rank=4, max_length=64),
        )
        return {"train_loss": result.train_loss}

    loop = StarLoop(
        task,
        task,
        make_generator,
        LastWordVerifier(),
        train,
        greedy,
        StarSettings(rounds=2, train=True),
        tmp_path,
    )
    summaries = loop.run(str(tiny_model_dir))
    assert [s["round"] for s in summaries] == [0, 1, "final"]
    assert summaries[0]["selected_rows"] >= 1 and summaries[0]["train_loss"] > 0
    assert summaries[1]["model"] == str(tmp_path / "round-0" / "model")
    assert (tmp_path / "round-1" / "model" / "model.safetensors").is_file()
    assert summaries[-1]["heldout_pass@1"] is not None


def test_history_records_when_and_how_each_problem_was_first_solved(tmp_path, verifier):
    from factory.history import plot_heldout, write_history

    summaries = star(tmp_path, verifier, Counting()).run("base")
    history = {
        row["problem_id"]: row
        for row in map(json.loads, write_history(tmp_path, summaries).read_text().splitlines())
    }
    easy, hard = tasks.gsm8k(limit=4).problems[:2], tasks.gsm8k(limit=4).problems[2:]
    assert all(
        history[p.id]["first_solved_round"] == 0 and not history[p.id]["first_solved_with_hint"] for p in easy
    )
    assert all(history[p.id]["first_solved_with_hint"] for p in hard)
    assert history[hard[0].id]["pass_rate_by_round"] == {"0": 0.0, "1": 0.0}
    png = plot_heldout(tmp_path, summaries)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_code_rationalization_shows_the_tests_and_strips_them(tmp_path, embedder):
    """A code STaR round through the real sandbox: the hint is the problem's tests."""
    from sandboxes.process import ProcessSandbox
    from verifiers.code import CodeVerifier

    task = tasks.mbpp(limit=1)  # MBPP 602, first_repeated_char; the question shows one assert
    right = "```python\ndef first_repeated_char(s):\n    for i, c in enumerate(s):\n"
    right += "        if c in s[:i]:\n            return c\n    return None\n```"
    seen_hints: list[str] = []

    def responder(messages, index):
        content = messages[0]["content"]
        if "Hint: the solution must pass these tests:" in content:
            seen_hints.append(content)
            return right
        return "```python\ndef first_repeated_char(s):\n    return s[0]\n```"

    verifier = CodeVerifier(ProcessSandbox(workers=1), workers=1)
    try:
        loop = StarLoop(
            task, None, lambda model: FakeGenerator(responder=responder, model=model), verifier, None,
            SamplingSettings(n=2, max_tokens=64), StarSettings(rounds=1), tmp_path,
            quality=quality_layer(task, embedder, decontaminate=False),  # MBPP 602 is in MBPP's test split
        )  # fmt: skip
        summary = loop.run("base")[0]
    finally:
        verifier.close()
    rows = [json.loads(line) for line in (tmp_path / "round-0" / "train.jsonl").read_text().splitlines()]
    assert (summary["accepted_sampling"], summary["accepted_rationalization"], summary["selected_rows"]) == (
        0,
        2,
        1,
    )
    assert all(hint.split("Hint:")[1].count("assert") == 3 for hint in seen_hints)  # all, not the one shown
    assert (
        rows[0]["source"] == "rationalization"
        and rows[0]["messages"][0] == task.messages(task.problems[0])[0]
    )


def test_a_rounds_unverifiable_count_includes_the_hinted_attempts(tmp_path, verifier):
    def responder(messages, index):
        hinted = "Hint:" in messages[0]["content"]
        return "Counting on, \\boxed{1, 2, \\ldots}" if hinted else "So \\boxed{5}"  # ellipsis: undecidable

    loop = StarLoop(
        Task("one", (PROBLEM,), tasks.MATH_PROMPT), None, lambda model: FakeGenerator(responder=responder),
        verifier, None, SamplingSettings(n=2, max_tokens=16), StarSettings(rounds=1), tmp_path,
    )  # fmt: skip
    summary = loop.run("base")[0]
    assert summary["unverifiable"] == 2 and "verifications_per_s" in summary
