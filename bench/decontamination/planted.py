"""Planted contamination: GSM8K and MATH test problems planted into a train file, verbatim, with a
sentence added, and paraphrased; and clean train slices that must raise no hit.

Paraphrases are rule-made (a rewrite table of verbs and question forms, names swapped, the
first two sentences exchanged), so the bench is reproducible on any machine without a model; a
model's free paraphrase can stray further, so their recall here is an upper bound for that kind.

    .venv/bin/python -m bench.decontamination.planted [--count 200]
"""

from __future__ import annotations

import argparse
import json
import random
import re
import time
from pathlib import Path

from factory.hardware import cpu_info
from factory.quality.decontaminate import SHIPPED, ContaminationIndex, load_references
from factory.quality.embed import WordLlamaEmbedder

SHARED = Path("../shared/data")
REWRITES = [
    (r"\bHow many\b", "What is the number of"), (r"\bhow many\b", "what number of"),
    (r"\bbought\b", "purchased"), (r"\bbuys\b", "purchases"), (r"\bsells\b", "sold"),
    (r"\bhas\b", "owns"), (r"\bhave\b", "own"), (r"\beach\b", "every"), (r"\btotal\b", "overall"),
    (r"\bgets\b", "receives"), (r"\bwants to\b", "would like to"), (r"\bHow much\b", "What amount"),
    (r"\bFind\b", "Determine"), (r"\bCompute\b", "Calculate"), (r"\bWhat is\b", "Find"),
]  # fmt: skip
NAMES = ["Natalia", "Weng", "Betty", "Julie", "James", "Albert", "Mark", "Janet", "John", "Tom"]


def paraphrase(text: str, rng: random.Random) -> str:
    for pattern, replacement in REWRITES:
        text = re.sub(pattern, replacement, text)
    for name in NAMES:
        text = re.sub(rf"\b{name}\b", rng.choice(["Priya", "Oscar", "Lena", "Mateo"]), text)
    sentences = re.split(r"(?<=[.!])\s+", text)
    if len(sentences) > 2:
        sentences[0], sentences[1] = sentences[1], sentences[0]
    return " ".join(sentences)


def _read(path: Path, field: str) -> list[str]:
    return [json.loads(line)[field] for line in path.open(encoding="utf-8") if line.strip()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=200, help="planted problems of each kind per set")
    parser.add_argument("--cosine", type=float, default=None, help="the index's cosine (default: its own)")
    args = parser.parse_args()
    rng = random.Random(0)
    start = time.perf_counter()
    chosen = {} if args.cosine is None else {"cosine": args.cosine}
    index = ContaminationIndex(load_references(SHIPPED), WordLlamaEmbedder(), **chosen)
    built = time.perf_counter() - start
    tests = {
        "gsm8k": _read(SHARED / "gsm8k" / "test.jsonl", "question"),
        "math": _read(SHARED / "math" / "MATH_test.jsonl", "problem"),
    }
    print(
        f"CPU: {cpu_info('model name')}; index of {len(index.references)} references in {built:.1f} s; "
        f"{index.n}-grams overlap >= {index.ngram_overlap}, cosine >= {index.cosine}"
    )
    for name, problems in tests.items():
        planted = rng.sample(problems, args.count)
        kinds = {
            "verbatim": planted,
            "sentence added": [p + " Show your work." for p in planted],
            "paraphrased": [paraphrase(p, rng) for p in planted],
        }
        for kind, texts in kinds.items():
            hits = index.problem_hits(texts)
            found = sum(hit is not None for hit in hits)
            how = sorted({hit.how for hit in hits if hit})
            print(f"{name} {kind}: {found}/{len(texts)} found ({100 * found / len(texts):.1f}%, by {how})")
    clean = {
        "gsm8k train (all 7,473)": _read(SHARED / "gsm8k" / "train.jsonl", "question"),
        "MBPP train (task_id 601-974)": [
            row["text"]
            for row in map(json.loads, (SHARED / "mbpp" / "mbpp.jsonl").open())
            if int(row["task_id"]) >= 601
        ],
    }
    for name, texts in clean.items():
        start = time.perf_counter()
        hits = [hit for hit in index.problem_hits(texts) if hit]
        seconds = time.perf_counter() - start
        print(f"clean {name}: {len(hits)} hits of {len(texts)} ({seconds:.1f} s)")
    math_train = _read(SHARED / "math" / "MATH_train.jsonl", "problem")
    hits = [hit for hit in index.problem_hits(math_train) if hit]
    by_how = {how: sum(h.how == how for h in hits) for how in ("exact", "ngram", "embedding")}
    print(
        f"MATH train vs MATH test (known near-duplicates, not a clean slice): {len(hits)} of 7,500 {by_how}"
    )


if __name__ == "__main__":
    main()
