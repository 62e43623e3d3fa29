"""The quality layer's share of a round's wall time on the default job: the layer is built (its
benchmark index embedded) and run on the accepted rows of a finished default-job run folder, and
timed against the wall time that run recorded for sampling and rationalization.

    .venv/bin/python -m bench.quality_share RUN_DIR   (a folder `make math-run` wrote)
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from factory import tasks
from factory.hardware import cpu_info
from factory.quality.embed import WordLlamaEmbedder
from factory.quality.layer import QualityLayer
from factory.rows import read_jsonl


def main() -> None:
    run = Path(sys.argv[1])
    stages = [run / "round-0" / name for name in ("sample", "rationalize")]
    round_wall = sum(json.loads((s / "summary.json").read_text())["this_session"]["wall_s"] for s in stages)
    rows = [row for s in stages for row in read_jsonl(s / "train.jsonl")]
    start = time.perf_counter()
    layer = QualityLayer(tasks.gsm8k(limit=8), None, WordLlamaEmbedder())  # the default job's task
    built = time.perf_counter() - start
    report = layer.apply(rows)
    figures, _ = layer.monitor(rows, read_jsonl(stages[0] / "attempts.jsonl"), None, None)
    total = time.perf_counter() - start
    print(f"CPU: {cpu_info('model name')}; {len(rows)} accepted rows; round wall {round_wall:.1f} s")
    print(f"quality layer: built {built:.2f} s, steps {report.result.seconds}, all {total:.2f} s")
    print(f"share of the round: {100 * total / (round_wall + total):.2f}%")


if __name__ == "__main__":
    main()
