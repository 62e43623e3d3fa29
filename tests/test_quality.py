"""The quality layer through the real embedder (wordllama's shipped weights) and the real shipped
benchmarks: decontamination finds what was planted and nothing on clean problems, dedup drops the
copies and keeps the first, the novelty band reports or drops, the monitor's figures are the ones
computed by hand, and a round writes its drops with their reasons. Not covered here: the figures
at scale (bench/decontamination/planted.py, bench/dedup_speed.py)."""

from __future__ import annotations

import json
import math
import random
from collections import Counter

import pytest

from factory import tasks
from factory.quality.decontaminate import (
    SHIPPED,
    ContaminationError,
    ContaminationIndex,
    Decontaminate,
    load_references,
    refuse_test_problems,
)
from factory.quality.dedup import Dedup
from factory.quality.layer import NoveltySettings, QualityLayer, QualitySettings
from factory.quality.monitor import Bounds, answer_entropy, breaches, distinct, kl_divergence
from factory.quality.steps import Item, apply_steps
from verifiers import Problem

JANET = tasks.gsm8k(split="test", limit=1).problems[0].question  # GSM8K test #0, shipped in the index


@pytest.fixture(scope="module")
def index(embedder):
    return ContaminationIndex(load_references(SHIPPED), embedder)


def item(problem_id: str, question: str, response: str) -> Item:
    row = {
        "problem_id": problem_id,
        "messages": [{"role": "user", "content": question}, {"role": "assistant", "content": response}],
    }
    return Item(row, question, response)


@pytest.mark.parametrize(
    "text,how",
    [
        (JANET, "exact"),
        (JANET + " Explain each step.", "ngram"),
        (
            "Every day Janet's ducks lay 16 eggs. Each morning she eats three for breakfast and she "
            "uses four to bake muffins for friends. She sells the remaining eggs at the farmers' "
            "market for $2 each. How many dollars does she earn daily at the market?",
            "embedding",
        ),
    ],
)
def test_a_test_problem_is_found_verbatim_extended_and_paraphrased(index, text, how):
    hit = index.problem_hits([text])[0]
    assert hit is not None
    assert (hit.benchmark, hit.reference_id, hit.how) == ("gsm8k_test", "gsm8k/test/0", how)


def test_clean_train_problems_raise_no_hit(index):
    train = [p.question for p in tasks.gsm8k().problems]  # the embedded 100-row GSM8K train slice
    assert index.problem_hits(train) == [None] * len(train)


def test_the_same_template_with_other_numbers_is_not_a_paraphrase(embedder):
    heldout = tasks.arith(split="test", count=50)
    index = ContaminationIndex(load_references((), heldout), embedder)
    train = [p.question for p in tasks.arith(count=50).problems]
    assert index.problem_hits(train) == [None] * 50
    assert index.problem_hits([heldout.problems[3].question])[0].benchmark == f"heldout:{heldout.name}"


def test_a_response_quoting_a_test_problem_is_dropped_with_its_benchmark(index):
    step = Decontaminate(index)
    quoting = item("p1", "What is 2 + 3?", f"A similar problem: {JANET} Anyway, 2 + 3 = \\boxed{{5}}.")
    clean = item("p2", "What is 2 + 4?", "2 + 4 = \\boxed{6}.")
    result = apply_steps([step], [quoting, clean])
    assert [r["problem_id"] for r in result.kept] == ["p2"]
    assert result.dropped[0]["reason"] == "gsm8k_test:response:ngram"
    assert step.hits_by_benchmark() == {"gsm8k_test": {"problems": 0, "responses": 1}}


def test_a_train_problem_that_is_a_test_problem_is_refused_by_name(index):
    problems = (Problem("clash-1", JANET, "18"), Problem("ok-1", "What is 2 + 2?", "4"))
    task = tasks.Task("mine", problems, tasks.MATH_PROMPT)
    with pytest.raises(ContaminationError, match=r"clash-1 is gsm8k_test gsm8k/test/0"):
        refuse_test_problems(task, index)


def test_dedup_drops_exact_near_and_semantic_copies_and_keeps_the_first(embedder):
    base = (
        "First we count the apples: there are 12 bags with 4 apples in each bag, so 12 * 4 = 48 apples in "
        "all. Then Tom eats 5 of them, and 48 - 5 = 43 apples are left in the kitchen. So the answer is 43."
    )
    reordered = (
        "Tom eats 5 of them, so 48 - 5 = 43 apples are left in the kitchen, so the answer is 43. We count "
        "the apples first: 12 bags, each bag with 4 apples, makes 12 * 4 = 48 apples in all."
    )  # MinHash Jaccard 0.2, cosine 0.99
    rows = [
        item("a", "Q a", base),
        item("a", "Q a", base.upper().replace(" ", "  ")),  # exact once normalized
        item("a", "Q a", base.replace("So the answer", "The answer")),  # near: a word less
        item("a", "Q a", reordered),
        item("b", "Q b", base),  # another problem: its row stays
        item("a", "Q a", "Count the bags: twelve bags of four is forty-eight; five go, forty-three stay."),
    ]
    result = apply_steps([Dedup(embedder)], rows)
    assert [r["dropped_by"] + ":" + r["reason"] for r in result.dropped] == [
        "dedup:exact",
        "dedup:near_duplicate",
        "dedup:semantic_duplicate",
    ]
    assert [(r["problem_id"], r["messages"][1]["content"][:5]) for r in result.kept] == [
        ("a", "First"),
        ("b", "First"),
        ("a", "Count"),
    ]


def test_an_exact_copy_is_exact_after_an_unconfirmed_near_candidate():
    # Seeded so that the second row is an LSH candidate of the first but below the Jaccard bar.
    rng = random.Random(0)
    vocab = [f"w{i}" for i in range(500)]
    question = " ".join(rng.choice(vocab) for _ in range(60))
    first, second = (" ".join(rng.choice(vocab) for _ in range(12)) for _ in range(2))
    rows = [item("p", question, first), item("p", question, second), item("p", question, second)]
    assert apply_steps([Dedup()], rows).counts["dedup"] == {"exact": 1}


def test_one_problem_listed_under_two_ids_is_a_near_duplicate():
    response = "She has 16 - 3 - 4 = 9 eggs to sell, and 9 * 2 = 18 dollars, so \\boxed{18}."
    rows = [item("id-1", JANET, response), item("id-2", JANET + " ", response)]
    assert apply_steps([Dedup()], rows).counts["dedup"] == {"exact": 1}


def test_the_novelty_band_reports_by_default_and_drops_when_asked(embedder):
    task = tasks.gsm8k(limit=20)
    solutions = dict(task.solutions)
    first = task.problems[0]
    rows = [
        item(first.id, first.question, solutions[first.id]),  # a copy of the human rationale
        item(first.id, first.question, "def f(x):\n    return [i ** 2 for i in range(x)]"),  # off the task
        item(first.id, first.question, "Natalia sold 48 clips in April and half as many, 24, in May: 72."),
    ]
    reporting = QualityLayer(task, None, embedder).novelty
    apply_steps([reporting], rows)
    assert reporting.report()["above"] == 1 and reporting.report()["below"] == 1
    filtering_settings = QualitySettings(novelty=NoveltySettings(filter=True))
    filtering = QualityLayer(task, None, embedder, filtering_settings).novelty
    result = apply_steps([filtering], rows)
    assert [r["reason"] for r in result.dropped] == ["redundant", "drift"] and len(result.kept) == 1


def test_the_monitor_figures_are_the_ones_computed_by_hand():
    assert distinct(["a b a b"], 1) == 0.5 and distinct(["a b a b"], 2) == round(2 / 3, 4)
    attempts = [{"problem_id": "p", "extracted": x} for x in ("1", "1", "2", "3")] + [
        {"problem_id": "q", "extracted": "7"}
    ]
    p_entropy = -(0.5 * math.log2(0.5) + 2 * 0.25 * math.log2(0.25))  # 1.5 bits; q has 0
    assert answer_entropy(attempts) == round((p_entropy + 0) / 2, 4)
    same = Counter({"a": 3, "b": 1})
    assert kl_divergence(same, same) == 0.0
    assert kl_divergence(Counter({"a": 9}), Counter({"b": 9})) > 1.0


def test_a_contracting_round_breaches_the_bounds():
    round0 = {"distinct_2": 0.6, "answer_entropy": 1.2, "self_similarity": 0.8}
    now = {"distinct_2": 0.3, "answer_entropy": 1.0, "self_similarity": 0.99}
    found = breaches(now, round0, Bounds())
    assert len(found) == 2 and found[0].startswith("self-similarity 0.99") and "distinct_2 0.3" in found[1]
    assert breaches(round0, round0, Bounds()) == []


def test_a_round_writes_its_drops_and_counts_them(tmp_path, embedder):
    from factory.generators import SamplingSettings
    from factory.generators.fake import FakeGenerator
    from factory.star.loop import StarLoop, StarSettings
    from verifiers.math import MathVerifier

    task = tasks.gsm8k(limit=3)
    gold = {p.id: p.gold for p in task.problems}
    janet = f"Unlike '{JANET}', here the sum is \\boxed{{{{gold}}}}."

    def responder(messages, index):
        problem = next(p for p in task.problems if p.question in messages[0]["content"])
        if problem is task.problems[2]:
            return janet.replace("{gold}", gold[problem.id])  # quotes a test problem
        return f"We work it out and get \\boxed{{{gold[problem.id]}}}."  # the same text every sample

    verifier = MathVerifier(workers=1)
    try:
        loop = StarLoop(
            task, None, lambda model: FakeGenerator(responder=responder, model=model), verifier, None,
            SamplingSettings(n=3, max_tokens=32), StarSettings(rounds=1), tmp_path,
            quality=QualityLayer(task, None, embedder),
        )  # fmt: skip
        summary = loop.run("base")[0]
    finally:
        verifier.close()
    dropped = [json.loads(line) for line in (tmp_path / "round-0" / "dropped.jsonl").read_text().splitlines()]
    assert Counter(r["reason"] for r in dropped) == {"exact": 4, "gsm8k_test:response:ngram": 3}
    assert all(r["step_version"] == "1" for r in dropped)
    assert summary["selected_rows"] == 2 and summary["quality"]["dropped"]["dedup"] == {"exact": 4}
    assert summary["quality"]["decontamination"] == {"gsm8k_test": {"problems": 0, "responses": 1}}
    assert summary["monitor"]["rows"] == 9  # three identical samples a problem: the monitor sees it
    assert summary["monitor_breaches"] == ["self-similarity 1.0 above 0.98"]


def test_the_references_embeddings_are_kept_on_disk_between_runs(tmp_path, embedder):
    from factory.quality.embed import embed_cached

    texts = ["What is 2 + 3?", "Write a function to reverse a string."]
    first = embed_cached(embedder, texts, tmp_path)
    (kept,) = tmp_path.glob("*.npy")
    assert (embed_cached(embedder, texts, tmp_path) == first).all() and list(tmp_path.glob("*.npy")) == [kept]
    embed_cached(embedder, texts[:1], tmp_path)  # other texts: a file of their own
    assert len(list(tmp_path.glob("*.npy"))) == 2
