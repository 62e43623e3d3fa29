"""What a math-verify user runs to verify a file: `python -m bench.peers.math_verify_cli IN -o OUT`.

Each row's `answer` (gold) and `response` go through math-verify 0.9's documented verbs,
`verify(parse("$gold$"), parse(response))`, in the main thread (its signal timeouts need it); a
row it raises on counts as not correct, as its users see it. One JSON row out per row in.
"""

from __future__ import annotations

import argparse
import json
import logging

from math_verify import parse, verify


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("input")
    parser.add_argument("-o", "--output", required=True)
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    with open(args.input) as rows, open(args.output, "w") as out:
        for line in rows:
            row = json.loads(line)
            try:
                correct = bool(verify(parse(f"${row['answer']}$"), parse(row["response"])))
            except Exception:  # noqa: BLE001 - its failures count as "not correct"
                correct = False
            out.write(json.dumps({**row, "verdict": "correct" if correct else "incorrect"}) + "\n")


if __name__ == "__main__":
    main()
