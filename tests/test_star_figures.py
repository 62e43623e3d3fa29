"""What a STaR run reports about itself: intervals, paired gains, preference pairs, and the
difficulty-aware sampler, through the whole loop with a fake generator and a fake trainer."""

from __future__ import annotations

import json

import pytest

from factory import tasks
from factory.generators import SamplingSettings
from factory.generators.fake import FakeGenerator
from factory.metrics import bootstrap_interval, paired_gain, per_problem_pass
from factory.rows import read_jsonl
from factory.star.loop import StarLoop, StarSettings
from factory.star.sample import UntilCorrect, sample_verify_keep
from verifiers.math import MathVerifier


def test_the_bootstrap_of_a_case_computed_by_hand():
    # Two problems, rates 1 and 0: a resample's mean is 0, 0.5 or 1 with chances 1/4, 1/2, 1/4,
    # so the 2.5th and 97.5th percentiles are 0 and 1; equal values have no spread at all.
    assert bootstrap_interval([1.0, 0.0], resamples=20_000, seed=3) == (0.0, 1.0)
    assert bootstrap_interval([0.25] * 7) == (0.25, 0.25)


def test_a_paired_gain_is_over_the_shared_problems_only():
    gain = paired_gain({"a": 1.0, "b": 1.0, "c": 0.5}, {"a": 0.0, "b": 1.0, "d": 0.0})
    assert (gain["diff"], gain["problems"]) == (0.5, 2)  # c and d are in one model's figures only
    assert paired_gain({"a": 1.0}, {"a": 1.0})["ci95"] == [0.0, 0.0]
    assert paired_gain({"a": 1.0}, {"b": 1.0}) is None


def test_per_problem_rates_leave_unverifiable_attempts_out():
    records = [{"problem_id": "p", "verdict": v} for v in ("correct", "incorrect", "unverifiable")]
    assert per_problem_pass(records) == {"p": 0.5}


class Trained:
    """A generator factory whose trained models answer from the gold (they 'learned')."""

    def __init__(self):
        self.problems = tasks.gsm8k(limit=4).problems + tasks.gsm8k(split="test", limit=4).problems

    def __call__(self, model):
        def responder(messages, index):
            content = messages[0]["content"]
            gold = next(p.gold for p in self.problems if p.question in content)
            right = "Hint:" in content or (model != "base" and index % 2 == 0)
            return f"so \\boxed{{{gold if right else -1}}}"

        return FakeGenerator(responder=responder, model=model)


def fake_train(rows, output_dir):
    (output_dir / "rows.json").write_text(json.dumps(rows))
    return {"train_loss": 0.5}


@pytest.fixture(scope="module")
def verifier():
    v = MathVerifier(workers=1)
    yield v
    v.close()


def test_every_round_carries_intervals_and_paired_gains_greedy_and_sampled(tmp_path, verifier):
    loop = StarLoop(
        tasks.gsm8k(limit=4), tasks.gsm8k(split="test", limit=4), Trained(), verifier, fake_train,
        SamplingSettings(n=4, max_tokens=16), StarSettings(rounds=2, train=True, bootstrap_resamples=2000),
        tmp_path,
    )  # fmt: skip
    rounds = loop.run("base")
    base, first, final = rounds[0], rounds[1], rounds[2]
    assert base["heldout_pass@1"] == 0.0 and base["heldout_greedy_pass@1"] == 0.0
    assert base["heldout_pass@1_ci95"] == [0.0, 0.0] and "heldout_gain_vs_base" not in base
    assert first["heldout_pass@1"] == 0.5 and first["heldout_greedy_pass@1"] == 1.0  # greedy is sample 0
    assert first["heldout_greedy_gain_vs_base"]["diff"] == 1.0
    assert first["heldout_gain_vs_previous"]["problems"] == 4
    assert final["round"] == "final" and final["heldout_greedy_gain_vs_base"]["ci95"] == [1.0, 1.0]
    assert (tmp_path / "round-1" / "heldout-greedy" / "attempts.jsonl").exists()


def test_each_round_writes_preference_pairs_of_one_problem_each(tmp_path, verifier):
    loop = StarLoop(
        tasks.gsm8k(limit=4), None, Trained(), verifier, fake_train,
        SamplingSettings(n=4, max_tokens=16), StarSettings(rounds=2, train=True, max_pairs_per_problem=1),
        tmp_path,
    )  # fmt: skip
    rounds = loop.run("base")
    pairs = read_jsonl(tmp_path / "round-1" / "preferences.jsonl")
    assert rounds[0]["preference_pairs"] == 0  # the base model is never right: nothing to prefer
    assert rounds[1]["preference_pairs"] == len(pairs) == 4  # one pair per problem, as capped
    for pair in pairs:
        assert pair["prompt"][0]["role"] == "user" and pair["chosen"] != pair["rejected"]
        assert (
            "\\boxed{-1}" in pair["rejected"][0]["content"]
            and "\\boxed{-1}" not in pair["chosen"][0]["content"]
        )


def test_until_correct_samples_hard_problems_until_one_is_right_within_the_cap(tmp_path, verifier):
    problems = tasks.gsm8k(limit=3).problems

    def right_late(messages, index):  # problem 0 at once, problem 1 from sample 9, problem 2 never
        content = messages[0]["content"]
        which = next(i for i, p in enumerate(problems) if p.question in content)
        right = which == 0 or (which == 1 and index >= 9)
        return f"\\boxed{{{problems[which].gold if right else -1}}}"

    task = tasks.gsm8k(limit=3)
    rule = UntilCorrect(correct=1, max_samples=12)
    generator = FakeGenerator(responder=right_late)
    sample_verify_keep(task, generator, verifier, SamplingSettings(n=4, max_tokens=8), tmp_path, 2, rule)
    counts = {}
    for record in read_jsonl(tmp_path / "attempts.jsonl"):
        counts[record["problem_id"]] = counts.get(record["problem_id"], 0) + 1
    assert [counts[p.id] for p in problems] == [4, 12, 12]  # 1 needs three waves; 2 stops at the cap
    rows = read_jsonl(tmp_path / "train.jsonl")
    assert {row["problem_id"] for row in rows} == {problems[0].id, problems[1].id}  # the hard one is in


def test_until_correct_resumes_to_the_same_attempts(tmp_path, verifier):
    problems = tasks.gsm8k(limit=2).problems

    def late(messages, index):
        which = next(i for i, p in enumerate(problems) if p.question in messages[0]["content"])
        return f"\\boxed{{{problems[which].gold if index >= 6 else -1}}}"

    def run(folder):
        sample_verify_keep(tasks.gsm8k(limit=2), FakeGenerator(responder=late), verifier,
                           SamplingSettings(n=2, max_tokens=8), folder, 1, UntilCorrect(1, 10))  # fmt: skip
        return read_jsonl(folder / "attempts.jsonl")

    whole = run(tmp_path / "whole")
    log = (tmp_path / "whole" / "attempts.jsonl").read_text().split("\n")[:-1]
    cut = tmp_path / "cut"
    cut.mkdir()
    (cut / "attempts.jsonl").write_text("\n".join(log[:5]) + "\n")
    assert run(cut) == whole


@pytest.mark.parametrize(
    "settings,sources",
    [
        (StarSettings(rounds=1, train=True), {"sampling", "rationalization"}),  # STaR
        (StarSettings(rounds=1, train=True, rationalize=False), {"sampling"}),  # rejection sampling (ReST-EM)
        (StarSettings(rounds=1, train=True, train_on="gold"), {"gold"}),  # SFT on the gold scratchpads
    ],
    ids=["star", "rejection-sampling", "sft-gold"],
)
def test_the_ablation_switches_change_what_is_trained_on(tmp_path, verifier, settings, sources):
    task = tasks.arith(count=4)
    solutions = dict(task.solutions)

    def first_right(messages, index):  # problem 0 solved by sampling, the others only with the hint
        content = messages[0]["content"]
        which = next(i for i, p in enumerate(task.problems) if p.question in content)
        right = which == 0 or "Hint:" in content
        return solutions[task.problems[which].id] if right else "\\boxed{-1}"

    trained = []

    def train(rows, output_dir):
        trained.extend(rows)
        return {"train_loss": 0.1}

    def make_generator(model):
        return FakeGenerator(responder=first_right, model=model)

    loop = StarLoop(
        task, None, make_generator, verifier, train, SamplingSettings(n=2, max_tokens=16), settings, tmp_path
    )
    loop.run("base")
    assert {row["source"] for row in trained} == sources
    if settings.train_on == "gold":
        assert len(trained) == 4 and all(
            row["messages"][-1]["content"] in solutions.values() for row in trained
        )


def test_the_readme_tables_recompute_from_the_exported_attempts_alone(tmp_path, verifier, monkeypatch):
    from bench import star_figures

    run = tmp_path / "run"
    loop = StarLoop(
        tasks.gsm8k(limit=4), tasks.gsm8k(split="test", limit=4), Trained(), verifier, fake_train,
        SamplingSettings(n=4, max_tokens=16), StarSettings(rounds=2, train=True), run,
    )  # fmt: skip
    rounds = loop.run("base")
    monkeypatch.setattr(star_figures, "RESULTS", tmp_path / "results")
    exported = star_figures.export(run, "fake")
    assert not list(exported.rglob("model*"))  # attempts and round.json only, no model weights
    lines = star_figures.table("fake").splitlines()
    assert [line.split("|")[1].strip() for line in lines[4:]] == ["M0", "M1", "M2 (final)"]
    final = lines[-1].split("|")
    gain = rounds[-1]["heldout_greedy_gain_vs_base"]  # as the loop wrote it in round.json
    low, high = gain["ci95"]
    assert final[5].strip() == f"{100 * gain['diff']:+.1f} [{100 * low:+.1f}, {100 * high:+.1f}]"
    base_low, base_high = rounds[0]["heldout_greedy_pass@1_ci95"]
    assert lines[4].split("|")[3].strip() == f"0.0% [{100 * base_low:.1f}, {100 * base_high:.1f}]"
