"""The quality layer: plain steps between "accepted" and "selected" in every round, and a monitor.

Steps, in order (each keeps or drops a row with a reason; `steps.py`):
1. `decontaminate`: problems and responses against the benchmarks and the held-out task
   (`decontaminate.py`); a train problem that IS a test problem is refused before generation;
2. `dedup`: exact, MinHash and semantic duplicates across the whole dataset (`dedup.py`);
3. `novelty`: each response's similarity to the nearest human reference, reported or filtered
   by a band (`novelty.py`; only for tasks with gold solutions).
The monitor (`monitor.py`) measures the round's accepted data and warns, or stops the loop, when
it contracts. Every dropped row goes to the round's `dropped.jsonl` with its step and reason.
"""
