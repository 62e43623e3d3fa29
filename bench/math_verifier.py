"""The math verifier against labels and against math-verify 0.9, side by side in one run.

1. GSM8K `example_model_solutions.jsonl`: 5,276 model solutions labeled `is_correct`; gold is the
   ground truth's final `A: N`. Agreement with the labels, every disagreement listed.
2. MATH-500 with the reference solution as the response: agreement with "correct".
3. Throughput on those same 5,776 rows: rows/s for ours (2 workers) and for math-verify's
   `parse` + `verify` (its defaults, main thread), and each one's wrong verdicts.
4. Sympy bombs: each must come back `unverifiable: timeout` within its deadline.

    python -m bench.math_verifier [--data ../shared/data] [--limit N] [--show 20]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from verifiers import Problem
from verifiers.math import MathVerifier

MODELS = ("6b_finetuning", "6b_verification", "175b_finetuning", "175b_verification")
BOMBS = [
    "9^{9^{9^{9}}}",
    "1000000!",
    "\\sqrt{" * 60 + "2" + "}" * 60,
    " + ".join(f"x^{{{i}}}" for i in range(10000)),
]


def load_rows(data: Path, limit: int | None) -> list[dict]:
    rows = []
    for line in (data / "gsm8k" / "example_model_solutions.jsonl").read_text().splitlines()[:limit]:
        record = json.loads(line)
        gold = record["ground_truth"].rsplit("A:", 1)[1].strip()
        for model in MODELS:
            solution = record[model]
            rows.append(
                {
                    "set": "gsm8k",
                    "gold": gold,
                    "response": solution["solution"],
                    "label": solution["is_correct"],
                }
            )
    for line in (data / "math" / "MATH500_test.jsonl").read_text().splitlines()[:limit]:
        record = json.loads(line)
        rows.append(
            {"set": "math500", "gold": record["answer"], "response": record["solution"], "label": True}
        )
    return rows


def run_ours(rows: list[dict]) -> tuple[list[str], float]:
    verifier = MathVerifier(workers=2)
    verifier.verify("\\boxed{x+1}", "1+x")  # start the workers outside the timing, as a long run would
    started = time.perf_counter()
    problems = [Problem(str(i), "", row["gold"]) for i, row in enumerate(rows)]
    futures = [verifier.submit(problem, row["response"]) for problem, row in zip(problems, rows)]
    statuses = [future.result().status for future in futures]
    elapsed = time.perf_counter() - started
    verifier.close()
    return statuses, elapsed


def run_math_verify(rows: list[dict]) -> tuple[list[str], float]:
    from math_verify import parse, verify

    started = time.perf_counter()
    statuses = []
    for row in rows:
        try:
            ok = verify(parse(f"${row['gold']}$"), parse(row["response"]))
        except Exception:  # noqa: BLE001 - its failures count as "not correct", as its users see them
            ok = False
        statuses.append("correct" if ok else "incorrect")
    return statuses, time.perf_counter() - started


def agreement(rows, statuses, subset: str) -> dict:
    picked = [(row, status) for row, status in zip(rows, statuses) if row["set"] == subset]
    decided = [(row, status) for row, status in picked if status != "unverifiable"]
    agree = sum((status == "correct") == row["label"] for row, status in decided)
    return {
        "rows": len(picked),
        "unverifiable": len(picked) - len(decided),
        "agree": agree,
        "agreement": round(agree / len(picked), 5),
        "wrong": len(decided) - agree,
    }


def bombs() -> list[dict]:
    verifier = MathVerifier(timeout_s=5.0, workers=1)
    verifier.verify("\\boxed{x+1}", "1+x")  # the worker is up before the first bomb, as in a long run
    results = []
    for bomb in BOMBS:
        started = time.perf_counter()
        verdict = verifier.verify(f"\\boxed{{{bomb}}}", "3")
        results.append(
            {
                "bomb": bomb[:40],
                "verdict": f"{verdict.status}: {verdict.reason}",
                "seconds": round(time.perf_counter() - started, 2),
            }
        )
    verifier.close()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "data")
    parser.add_argument("--limit", type=int, default=None, help="first N questions of each set")
    parser.add_argument("--show", type=int, default=1000, help="disagreements to list")
    args = parser.parse_args()

    rows = load_rows(args.data, args.limit)
    ours, ours_s = run_ours(rows)
    theirs, theirs_s = run_math_verify(rows)
    report = {
        "rows": len(rows),
        "ours": {
            "gsm8k": agreement(rows, ours, "gsm8k"),
            "math500": agreement(rows, ours, "math500"),
            "seconds": round(ours_s, 2),
            "rows_per_s": round(len(rows) / ours_s, 1),
        },
        "math_verify_0.9": {
            "gsm8k": agreement(rows, theirs, "gsm8k"),
            "math500": agreement(rows, theirs, "math500"),
            "seconds": round(theirs_s, 2),
            "rows_per_s": round(len(rows) / theirs_s, 1),
        },
    }
    report["speedup"] = round(theirs_s / ours_s, 2)
    report["bombs"] = bombs()
    print(json.dumps(report, indent=2))
    print("\nour disagreements with the labels (set, gold, extracted verdict, label, response tail):")
    shown = 0
    for row, status in zip(rows, ours):
        if status == "unverifiable" or (status == "correct") != row["label"]:
            if shown < args.show:
                tail = row["response"][-120:].replace("\n", " | ")
                print(f"- {row['set']} gold={row['gold']!r} ours={status} label={row['label']} :: {tail}")
            shown += 1


if __name__ == "__main__":
    main()
