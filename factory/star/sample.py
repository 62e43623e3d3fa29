"""One pass of sample-verify-keep: N attempts per problem, each verified, the correct ones kept.

Generation and verification overlap: batch b+1 is generated while batch b's verdicts finish in the
verifier's worker processes, and batch b is written as soon as batch b+1 is out (at once, when the
fast path already decided all of it). Every attempt is appended to the stage's attempt log the
moment it is verified; the stage's rows and summary are derived from that log at the end, so a
resumed pass never duplicates a row. The collaborators are plain objects (a fake generator is 20
lines).
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from tqdm import tqdm

from factory.generators import Completion, Generator, Request, SamplingSettings
from factory.metrics import mean_pass_at_k
from factory.prompting import PLAIN, Prompting
from factory.rows import write_json_atomic, write_jsonl_atomic
from factory.run_folder import AttemptLog, StageFolder
from factory.tasks import Task
from verifiers import STATUSES, Problem, Verifier, stamp


@dataclass(frozen=True)
class StagePass:
    summary: dict  # as written to the stage's summary.json
    rows: tuple[dict, ...]  # the correct attempts as chat rows, as written to the stage's train.jsonl


@dataclass
class _Todo:
    problem: Problem
    ids: list[tuple[int, str]]  # (sample index, attempt id) still to generate


@dataclass
class _Context:
    task: Task
    generator: Generator
    verifier: Verifier
    sampling: SamplingSettings
    log: AttemptLog
    prompting: Prompting = PLAIN
    # What this invocation did: a resumed run reports its own speed, not the earlier one's.
    tokens: int = 0
    attempts: int = 0
    generate_s: float = 0.0
    started: float = field(default_factory=time.perf_counter)


def attempt_id(
    problem_id: str,
    prompt_hash: str,
    model_id: str,
    sampling: SamplingSettings,
    index: int,
    style: str | None = None,
) -> str:
    # `n` is left out on purpose: raising n on a finished run adds samples and redoes none.
    # A prompt style (diverse prompting) is part of what produced the attempt; plain has none.
    key = [
        problem_id,
        prompt_hash,
        model_id,
        sampling.temperature,
        sampling.top_p,
        sampling.max_tokens,
        sampling.seed,
        index,
        *([style] if style else []),
    ]
    return hashlib.sha256(json.dumps(key).encode()).hexdigest()[:20]


@dataclass(frozen=True)
class UntilCorrect:
    """Difficulty-aware sampling (DART-Math): after the first `n` samples, a problem with fewer
    than `correct` correct attempts gets `n` more, until it has them or `max_samples` in all, so
    hard problems reach the training set instead of being dropped by uniform sampling."""

    correct: int = 1
    max_samples: int = 16


def sample_verify_keep(
    task: Task,
    generator: Generator,
    verifier: Verifier,
    sampling: SamplingSettings,
    folder: Path,
    batch_problems: int = 8,
    until_correct: UntilCorrect | None = None,
    prompting: Prompting = PLAIN,
) -> StagePass:
    """Samples what `folder`'s attempt log lacks, then derives the stage's rows and summary."""
    stage = StageFolder(folder)
    folder.mkdir(parents=True, exist_ok=True)
    ctx = _Context(task, generator, verifier, sampling, AttemptLog(stage.attempts), prompting)
    try:
        plan = _plan(ctx)
        with tqdm(total=len(task.problems) * sampling.n, desc="attempts", unit="att") as bar:
            _sample_missing(ctx, plan, batch_problems, bar)
            while until_correct and (wanting := _wanting(ctx, plan, until_correct)):
                bar.total += sum(len(ids) for ids in wanting.values())
                for problem, ids in plan:  # the next n samples of each problem still short of correct ones
                    ids.extend(wanting.get(problem.id, []))
                _sample_missing(ctx, plan, batch_problems, bar)
        rows = tuple(_train_rows(task, plan, ctx.log))
        write_jsonl_atomic(stage.train, rows)
        summary = _summarize(ctx, plan, len(rows))
        if until_correct:
            summary["strategy"] = {"until_correct": asdict(until_correct)}
        write_json_atomic(stage.summary, summary)
        return StagePass(summary, rows)
    finally:
        ctx.log.close()


def _sample_missing(ctx: _Context, plan, batch_problems: int, bar) -> None:
    """Generates and verifies every planned attempt the log lacks; generation of batch b+1
    overlaps the verification of batch b."""
    todo = [
        _Todo(p, run)
        for p, ids in plan
        for run in _runs([(i, a) for i, a in ids if a not in ctx.log.records], bool(ctx.prompting.styles))
    ]
    bar.update(sum(len(ids) for _, ids in plan) - sum(len(t.ids) for t in todo) - bar.n)
    in_flight = None
    for start in range(0, len(todo), batch_problems):
        batch = todo[start : start + batch_problems]
        completions = _generate(ctx, batch)
        verdicts = [
            [ctx.verifier.submit(t.problem, c.text) for c in row] for t, row in zip(batch, completions)
        ]
        if in_flight:  # its verdicts finished while this batch was generated
            _write(ctx, *in_flight, bar)
            in_flight = None
        if all(future.done() for row in verdicts for future in row):  # fast path decided all
            _write(ctx, batch, completions, verdicts, bar)
        else:
            in_flight = (batch, completions, verdicts)
    if in_flight:
        _write(ctx, *in_flight, bar)


def _wanting(ctx: _Context, plan, rule: UntilCorrect) -> dict[str, list[tuple[int, str]]]:
    """The next wave: for each problem short of `rule.correct` correct attempts and below the
    cap, its next `n` sample indices (and attempt IDs)."""
    wanting = {}
    for problem, ids in plan:
        correct = sum(
            ctx.log.records[aid]["verdict"] == "correct" for _, aid in ids if aid in ctx.log.records
        )
        have = len(ids)
        if correct < rule.correct and have < rule.max_samples:
            indices = range(have, min(have + ctx.sampling.n, rule.max_samples))
            wanting[problem.id] = _ids(ctx, problem, indices)
    return wanting


def _plan(ctx: _Context) -> list[tuple[Problem, list]]:
    """Each problem with its first `n` (sample index, attempt ID) pairs; a strategy may add more."""
    return [(p, _ids(ctx, p, range(ctx.sampling.n))) for p in ctx.task.problems]


def _ids(ctx: _Context, problem: Problem, indices) -> list:
    prompt_hash, model_id = ctx.task.prompt_hash, ctx.generator.model_id
    return [
        (i, attempt_id(problem.id, prompt_hash, model_id, ctx.sampling, i, _style_name(ctx, problem, i)))
        for i in indices
    ]


def _style_name(ctx: _Context, problem: Problem, index: int) -> str | None:
    style = ctx.prompting.style(problem.id, index)
    return style.name if style else None


def _runs(missing: list[tuple[int, str]], one_each: bool = False) -> list[list[tuple[int, str]]]:
    """The missing samples of a problem as runs of consecutive indices: one request each (one
    request per sample when each sample has its own prompt style)."""
    runs: list[list[tuple[int, str]]] = []
    for index, aid in missing:
        if runs and not one_each and runs[-1][-1][0] == index - 1:
            runs[-1].append((index, aid))
        else:
            runs.append([(index, aid)])
    return runs


def problem_seed(problem_id: str, sampling: SamplingSettings) -> int:
    """The problem's seed; sample k draws from `problem_seed + k` (see `Request.sample_seeds`),
    whichever samples a run still lacks, so a resumed run draws what an uninterrupted one did.
    (0.1.0 derived it from the first missing index: the same number when none was written.)"""
    key = f"{sampling.seed}:{problem_id}:0".encode()
    return int.from_bytes(hashlib.sha256(key).digest()[:4], "big") >> 1


def _generate(ctx: _Context, batch: Sequence[_Todo]) -> list[list[Completion]]:
    requests = [
        Request(
            ctx.prompting.messages(ctx.task.messages(t.problem), t.problem.id, t.ids[0][0]),
            len(t.ids),
            problem_seed(t.problem.id, ctx.sampling),
            t.ids[0][0],
        )
        for t in batch
    ]
    started = time.perf_counter()
    completions = ctx.generator.generate(requests, ctx.sampling)
    ctx.generate_s += time.perf_counter() - started
    if [len(row) for row in completions] != [r.n for r in requests]:
        raise RuntimeError(f"generator {ctx.generator.model_id} returned the wrong number of completions")
    return completions


def _write(ctx: _Context, batch, completions, verdicts, bar) -> None:
    sampling_key = {k: v for k, v in asdict(ctx.sampling).items() if k != "n"}
    stamped = stamp(ctx.verifier)
    for todo, row, futures in zip(batch, completions, verdicts):
        seed = problem_seed(todo.problem.id, ctx.sampling)
        for (index, aid), completion, future in zip(todo.ids, row, futures):
            verdict = future.result()
            ctx.log.append(
                {
                    "id": aid,
                    "problem_id": todo.problem.id,
                    "sample_index": index,
                    "seed": seed,
                    "response": completion.text,
                    "finish_reason": completion.finish_reason,
                    "tokens": completion.tokens,
                    "verdict": verdict.status,
                    "reason": verdict.reason,
                    "extracted": verdict.extracted,
                    "mode": verdict.mode,
                    "detail": verdict.detail,
                    "gold": _gold_text(todo.problem.gold),
                    "task": ctx.task.name,
                    "prompt_hash": ctx.task.prompt_hash,
                    "model": ctx.generator.model_id,
                    "sampling": sampling_key,
                    **({"style": _style_name(ctx, todo.problem, index)} if ctx.prompting.styles else {}),
                    **stamped,
                }
            )
            ctx.tokens += completion.tokens
            ctx.attempts += 1
            bar.update(1)
    ctx.log.sync()  # a batch is durable once written: a machine crash loses at most the next one


def _gold_text(gold) -> str:
    return gold if isinstance(gold, str) else gold.to_json()  # a CodeGold, as 0.1.0 wrote it


def _train_rows(task: Task, plan, log: AttemptLog):
    """Chat-format SFT rows (`messages`), loadable as they are by `datasets` and TRL's SFTTrainer."""
    for problem, ids in plan:
        for _, aid in ids:
            record = log.records.get(aid)
            if record and record["verdict"] == "correct":
                yield {
                    "messages": [
                        *task.messages(problem),
                        {"role": "assistant", "content": record["response"]},
                    ],
                    "problem_id": problem.id,
                    "attempt_id": aid,
                    "source": "sampling",
                }


def _summarize(ctx: _Context, plan, kept: int) -> dict:
    log, sampling = ctx.log, ctx.sampling
    records = [log.records[aid] for _, ids in plan for _, aid in ids if aid in log.records]
    counts = {status: sum(r["verdict"] == status for r in records) for status in STATUSES}
    per_problem = []  # (verifiable samples, correct samples): unverifiable ones are left out
    for _, ids in plan:
        verdicts = [log.records[aid]["verdict"] for _, aid in ids if aid in log.records]
        per_problem.append((sum(v != "unverifiable" for v in verdicts), verdicts.count("correct")))
    wall_s = time.perf_counter() - ctx.started
    return {
        "task": ctx.task.name,
        "model": ctx.generator.model_id,
        "verifier": stamp(ctx.verifier)["verifier"],
        "problems": len(plan),
        "samples_per_problem": sampling.n,
        "attempts": len(records),
        **counts,
        "pass@1": mean_pass_at_k(per_problem, 1),
        f"pass@{sampling.n}": mean_pass_at_k(per_problem, sampling.n),
        "solved": sum(c > 0 for _, c in per_problem),
        "train_rows": kept,
        "tokens": sum(r["tokens"] for r in records),
        "this_session": {
            "pid": os.getpid(),
            "attempts": ctx.attempts,
            "tokens": ctx.tokens,
            "generate_s": round(ctx.generate_s, 2),
            "wall_s": round(wall_s, 2),
            "tokens_per_s": round(ctx.tokens / wall_s, 2) if wall_s else None,
        },
    }
