"""Math graders on a labeled benchmark nobody here wrote: this project, math-verify 0.9 and peers.

Cases: `bench/grading/cases.jsonl` (1,136 from math-verify 0.9.0's own test tables, NeMo-Skills'
`test_math_equal.py`, and Qwen2.5-Math's 800 real model outputs on MATH; sources, licenses and
labels in `bench/grading/SOURCES.md`). Per source and grader: decided right (the verdict equals
the label), false positives (accepted, label false), false negatives (rejected, label true) and
unverifiable (this project's third verdict; the peers have none).

How each grader sees a case, as its users run it:
- responses that are already an answer (NeMo-Skills' table; math-verify tables whose pred has no
  box or answer phrase) go to this project as `\\boxed{pred}`, to NeMo-Skills as
  `math_equal(gold, pred)`, to Hendrycks as `is_equiv(gold, pred)`;
- math-verify runs its own tables the way each test called it (`mv_config`), everything else as
  `verify(parse("$gold$"), parse(response))`;
- full model responses go to each grader's own extraction.

    python -m bench.math_grading [--cases bench/grading/cases.jsonl] [--show 20]
        [--graders ours,math-verify,nemo-skills,hendrycks]
"""

from __future__ import annotations

import argparse
import json
import logging
import re
from collections import Counter, defaultdict
from pathlib import Path

from verifiers import Problem
from verifiers.math import MathVerifier
from verifiers.math.extract import extract_answer

CASES = Path(__file__).parent / "grading" / "cases.jsonl"
GRADERS = ("ours", "math-verify", "nemo-skills", "hendrycks")


_SENTENCE_RE = re.compile(r"[A-Za-z]{2,}[,.]?\s+[A-Za-z]{2,}")


def answer_only(case: dict) -> bool:
    """The response is an answer, not a solution: no marker to extract it by, and no sentence."""
    if case.get("response_is_extracted_answer"):
        return True
    response = re.sub(r"\\[A-Za-z]+", " ", case["response"])  # LaTeX commands are not words
    return (
        case["source"] == "math-verify"
        and extract_answer(case["response"]) is None
        and not _SENTENCE_RE.search(response)
    )


def gold_answer(case: dict) -> str:
    return case["gold"].strip().strip("$").strip()


def wants_fallback(case: dict) -> bool:
    """math-verify tests that extract expressions from free text ask for what our
    `last_number_fallback` does; nothing else does."""
    return bool(case.get("mv_config"))


def run_ours(cases: list[dict]) -> list[str]:
    # math-verify's tables extract from free text (our fallback) and some set `allow_set_relation_comp`
    # (our `inequality_as_interval`): each case gets the verifier whose settings its test asked for.
    verifiers = {
        (fallback, intervals): MathVerifier(
            workers=1, last_number_fallback=fallback, inequality_as_interval=intervals
        )
        for fallback in (False, True)
        for intervals in (False, True)
    }
    try:
        futures = []
        for i, case in enumerate(cases):
            response = case["response"]
            if answer_only(case):
                response = "\\boxed{" + response.strip().strip("$").strip() + "}"
            config = case.get("mv_config") or {}
            verifier = verifiers[(wants_fallback(case), config.get("allow_set_relation_comp", True))]
            futures.append(verifier.submit(Problem(str(i), "", case["gold"]), response))
        return [future.result().status for future in futures]
    finally:
        for verifier in verifiers.values():
            verifier.close()


def _binary(grade, cases: list[dict]) -> list[str]:
    statuses = []
    for case in cases:
        try:
            statuses.append("correct" if grade(case) else "incorrect")
        except Exception:  # noqa: BLE001 - a peer's crash counts as "not correct", as its users see it
            statuses.append("incorrect")
    return statuses


def run_math_verify(cases: list[dict]) -> list[str]:
    from math_verify import parse, verify

    from bench.grading.mv_reference import run_like_test

    def grade(case):
        if case.get("mv_config"):
            return run_like_test(case)
        response = case["response"]
        if answer_only(case):
            response = "$" + response.strip().strip("$") + "$"
        return verify(parse("$" + gold_answer(case) + "$"), parse(response))

    return _binary(grade, cases)


def run_nemo(cases: list[dict]) -> list[str]:
    from bench.peers import nemo_skills_grader as nemo

    def grade(case):
        if answer_only(case):
            return nemo.is_equal_answers(gold_answer(case), case["response"].strip().strip("$"))
        return nemo.is_correct(gold_answer(case), case["response"])

    return _binary(grade, cases)


def run_hendrycks(cases: list[dict]) -> list[str]:
    from bench.peers import hendrycks_math_grader as hendrycks

    def grade(case):
        if answer_only(case):
            return hendrycks.is_equiv(gold_answer(case), case["response"].strip().strip("$"))
        return hendrycks.is_correct(gold_answer(case), case["response"])

    return _binary(grade, cases)


RUNNERS = {
    "ours": run_ours,
    "math-verify": run_math_verify,
    "nemo-skills": run_nemo,
    "hendrycks": run_hendrycks,
}


def tally(cases: list[dict], statuses: list[str]) -> dict[str, Counter]:
    per_source: dict[str, Counter] = defaultdict(Counter)
    for case, status in zip(cases, statuses):
        for source in (case["source"], "all"):
            counts = per_source[source]
            counts["cases"] += 1
            if status == "unverifiable":
                counts["unverifiable"] += 1
            elif (status == "correct") == case["label"]:
                counts["right"] += 1
            elif status == "correct":
                counts["false_positive"] += 1
            else:
                counts["false_negative"] += 1
    return per_source


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cases", type=Path, default=CASES)
    parser.add_argument("--graders", default=",".join(GRADERS))
    parser.add_argument("--show", type=int, default=20, help="list this many of our wrong verdicts")
    args = parser.parse_args()
    logging.disable(logging.WARNING)  # the peers log each parse failure
    cases = [json.loads(line) for line in args.cases.read_text().splitlines() if line.strip()]
    results = {name: RUNNERS[name](cases) for name in args.graders.split(",")}
    sources = sorted({case["source"] for case in cases}) + ["all"]
    print(f"{'source':<12} {'grader':<12} {'cases':>5} {'right':>6} {'FP':>4} {'FN':>4} {'unverif.':>8}")
    tallies = {name: tally(cases, statuses) for name, statuses in results.items()}
    for source in sources:
        for name in results:
            c = tallies[name][source]
            print(
                f"{source:<12} {name:<12} {c['cases']:>5} {c['right']:>6} {c['false_positive']:>4} "
                f"{c['false_negative']:>4} {c['unverifiable']:>8}"
            )
    if "ours" in results:
        wrong = [
            (case, status)
            for case, status in zip(cases, results["ours"])
            if status != "unverifiable" and (status == "correct") != case["label"]
        ]
        for case, status in wrong[: args.show]:
            gold, response = case["gold"][:60], case["response"][-80:]
            print(
                f"ours {status} on label {case['label']}: {case['id']} gold={gold!r} response=...{response!r}"
            )


if __name__ == "__main__":
    main()
