"""The critic verifier: votes become three verdicts at the threshold, after another verifier it
can only take a `correct` away, a failing or silent judge is undecided (never a crash), and the
real Hydra config builds it on the run's generator. The judge's precision and recall on labeled
solutions are measured in `bench/judge_quality.py`, not here."""

from __future__ import annotations

import pytest

from factory.generators.fake import FakeGenerator
from factory.judge import JudgeVerifier, vote
from verifiers import Problem
from verifiers.math import MathVerifier

PROBLEM = Problem("p", "What is 6 * 7?", "42")


def judge_saying(*replies: str, **kwargs) -> JudgeVerifier:
    """A judge whose k-th vote on every problem is replies[k]."""
    return JudgeVerifier(
        FakeGenerator(responder=lambda messages, k: replies[k]), samples=len(replies), **kwargs
    )


@pytest.mark.parametrize(
    "text,expected",
    [("CORRECT", True), ("Incorrect.", False), ("The answer is INCORRECT", False), ("I am not sure", None)],
)
def test_a_vote_is_read_from_the_first_word_that_is_one(text, expected):
    assert vote(text) is expected


@pytest.mark.parametrize(
    "replies,status,reason",
    [
        (["CORRECT"] * 5, "correct", "judge_accepts"),
        (["INCORRECT"] * 5, "incorrect", "judge_rejects"),
        (["CORRECT"] * 4 + ["INCORRECT"], "unverifiable", "judge_unsure"),  # 80% < 95%
        (["hmm"] * 5, "unverifiable", "judge_no_verdict"),
        (["CORRECT"] * 4 + ["no idea"], "correct", "judge_accepts"),  # unparseable votes left out
    ],
)
def test_votes_become_three_verdicts_at_the_threshold(replies, status, reason):
    judge = judge_saying(*replies)
    try:
        verdict = judge.submit(PROBLEM, "6 * 7 = 42, so \\boxed{42}.").result(timeout=10)
    finally:
        judge.close()
    assert (verdict.status, verdict.reason) == (status, reason)
    assert "judge votes say correct" in verdict.detail


def test_after_the_math_verifier_the_judge_only_takes_a_correct_away():
    judge = judge_saying("INCORRECT", "INCORRECT", after=MathVerifier(workers=1))
    try:
        right = judge.submit(PROBLEM, "6 * 7 = 41 + 1, so \\boxed{42}.").result(timeout=10)
        wrong = judge.submit(PROBLEM, "\\boxed{41}").result(timeout=10)
    finally:
        judge.close()
    assert (right.status, right.reason, right.extracted) == ("incorrect", "judge_rejects", "42")
    assert wrong.status == "incorrect" and wrong.reason != "judge_rejects"  # the math verifier's own
    assert judge.name == "math+judge"


def test_an_unsure_judge_leaves_the_verifiers_verdict():
    judge = judge_saying("CORRECT", "INCORRECT", after=MathVerifier(workers=1))
    try:
        verdict = judge.submit(PROBLEM, "\\boxed{42}").result(timeout=10)
    finally:
        judge.close()
    assert verdict.status == "correct" and verdict.detail == "1 of 2 judge votes say correct"


def test_a_judge_that_raises_is_undecided_not_a_crash():
    class Broken(FakeGenerator):
        def generate(self, requests, sampling):
            raise ConnectionError("server at 127.0.0.1:9 refused")

    judge = JudgeVerifier(Broken(), samples=3)
    try:
        verdict = judge.submit(PROBLEM, "\\boxed{42}").result(timeout=10)
    finally:
        judge.close()
    assert (verdict.status, verdict.reason) == (
        "unverifiable",
        "judge_failed",
    ) and "refused" in verdict.detail


def test_the_judge_configs_build_on_the_runs_generator():
    from factory.app import _verifier
    from factory.tasks import gsm8k
    from tests.test_configs import composed

    cfg = composed("verifier=math_judge", "generator=fake")
    judge = _verifier(cfg.verifier, gsm8k(limit=1))
    try:
        assert judge.after.settings.last_number_fallback is True  # as GSM8K asks
        assert judge.generator.model_id == "fake" and judge.samples == 5
    finally:
        judge.close()
