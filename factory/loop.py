"""The rejection-sampling round: sample N attempts per problem, verify each, keep the correct ones.

Reads top to bottom: `run(cfg)` builds the three collaborators from the config and hands them to
`sample_verify_keep`, which takes them as plain objects (a fake generator is 20 lines).

Generation and verification overlap: batch b+1 is generated while batch b's verdicts finish in the
verifier's worker processes, and batch b is written as soon as batch b+1 is out (at once, when the
fast path already decided all of it). Every attempt is
appended to `attempts.jsonl` the moment it is verified; `train.jsonl` and `summary.json` are derived
from that log at the end, so a resumed run never duplicates a row.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
from collections.abc import Sequence
from contextlib import ExitStack
from dataclasses import asdict, dataclass, field
from pathlib import Path

from tqdm import tqdm

from factory.generators import Completion, Generator, Request, SamplingSettings
from factory.metrics import mean_pass_at_k
from factory.models import ModelNotFoundError
from factory.store import AttemptLog, attempt_id, write_json_atomic, write_jsonl_atomic
from factory.tasks import Problem, ProblemFileError, Task
from sandboxes import SandboxUnavailable
from verifiers import STATUSES


@dataclass(frozen=True)
class RunResult:
    run_dir: Path
    summary: dict


@dataclass
class _Todo:
    problem: Problem
    ids: list[tuple[int, str]]  # (sample index, attempt id) still to generate


@dataclass
class _Context:
    task: Task
    generator: Generator
    verifier: object
    sampling: SamplingSettings
    log: AttemptLog
    # What this invocation did: a resumed run reports its own speed, not the earlier one's.
    tokens: int = 0
    attempts: int = 0
    generate_s: float = 0.0
    started: float = field(default_factory=time.perf_counter)


def run(cfg) -> RunResult:
    """STaR rounds from a Hydra config (`factory/star.py`); one round without training is plain
    rejection sampling. Top-level `summary.json` and `train.jsonl` describe the last round."""
    from omegaconf import OmegaConf

    from factory.history import plot_heldout, write_history
    from factory.star import StarLoop, StarSettings
    from factory.tracking import WandbTracker

    run_dir = Path(cfg.run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    task: Task = _instantiate(cfg.task)  # bad rows fail here, before any model loads
    heldout: Task | None = _instantiate(cfg.star.heldout) if cfg.star.heldout else None
    sampling = SamplingSettings(**cfg.sampling)
    settings = StarSettings(**{k: v for k, v in cfg.star.items() if k not in ("heldout", "training")})
    with ExitStack() as stack:
        tracker = WandbTracker(run_dir=run_dir, config=OmegaConf.to_container(cfg, resolve=True), **cfg.wandb)
        stack.callback(tracker.finish)
        verifier = _instantiate(cfg.verifier)
        stack.callback(verifier.close)
        star = StarLoop(
            task,
            heldout,
            lambda model: _instantiate(cfg.generator, model=model),
            verifier,
            _trainer(cfg) if settings.train else None,
            sampling,
            settings,
            run_dir,
            cfg.batch_problems,
        )
        rounds = star.run(cfg.generator.model, on_round=tracker.log_round)
        last = next(r for r in reversed(rounds) if r["round"] != "final")  # not the final evaluation
        sample_summary = json.loads(
            (run_dir / f"round-{last['round']}" / "sample" / "summary.json").read_text()
        )
        summary = {**sample_summary, "train_rows": last["selected_rows"], "rounds": rounds}
        write_json_atomic(run_dir / "summary.json", summary)
        shutil.copyfile(run_dir / f"round-{last['round']}" / "train.jsonl", run_dir / "train.jsonl")
        write_history(run_dir, rounds)
        plot_heldout(run_dir, rounds)
        tracker.log_summary(summary)
        tracker.log_dataset(run_dir / "train.jsonl")
    return RunResult(run_dir, summary)


def _trainer(cfg):
    from factory.models import resolve_model
    from factory.train import TrainSettings, finetune

    base = resolve_model(cfg.generator.model)  # always the BASE model (STaR, ReST-EM)
    settings = TrainSettings(**cfg.star.training)

    def train(rows: list[dict], output_dir: Path) -> dict:
        result = finetune(base, rows, output_dir, settings)
        return {"model_dir": str(result.model_dir), "train_loss": result.train_loss}

    return train


def _instantiate(node, **overrides):
    """hydra's instantiate, minus its wrapper around errors that are about the user's input."""
    from hydra.errors import InstantiationException
    from hydra.utils import instantiate

    try:
        return instantiate(node, **overrides)
    except InstantiationException as exc:
        if isinstance(exc.__cause__, ProblemFileError | ModelNotFoundError | SandboxUnavailable):
            raise exc.__cause__ from None
        raise


def sample_verify_keep(
    task: Task,
    generator: Generator,
    verifier,
    sampling: SamplingSettings,
    run_dir: Path,
    batch_problems: int = 8,
) -> dict:
    run_dir.mkdir(parents=True, exist_ok=True)
    ctx = _Context(task, generator, verifier, sampling, AttemptLog(run_dir / "attempts.jsonl"))
    try:
        plan = _plan(task, generator, sampling)
        todo = [_Todo(p, [(i, a) for i, a in ids if a not in ctx.log.records]) for p, ids in plan]
        todo = [t for t in todo if t.ids]
        total = len(task.problems) * sampling.n
        with tqdm(
            total=total, initial=total - sum(len(t.ids) for t in todo), desc="attempts", unit="att"
        ) as bar:
            in_flight = None
            for start in range(0, len(todo), batch_problems):
                batch = todo[start : start + batch_problems]
                completions = _generate(ctx, batch)
                verdicts = [
                    [verifier.submit(c.text, t.problem.answer) for c in row]
                    for t, row in zip(batch, completions)
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
        kept = write_jsonl_atomic(run_dir / "train.jsonl", _train_rows(task, plan, ctx.log))
        summary = _summarize(ctx, plan, kept)
        write_json_atomic(run_dir / "summary.json", summary)
        return summary
    finally:
        ctx.log.close()


def _plan(task: Task, generator: Generator, sampling: SamplingSettings) -> list[tuple[Problem, list]]:
    return [
        (
            p,
            [
                (i, attempt_id(p.id, task.prompt_hash, generator.model_id, sampling, i))
                for i in range(sampling.n)
            ],
        )
        for p in task.problems
    ]


def _request_seed(problem_id: str, sampling: SamplingSettings, first_index: int) -> int:
    key = f"{sampling.seed}:{problem_id}:{first_index}".encode()
    return int.from_bytes(hashlib.sha256(key).digest()[:4], "big") >> 1


def _generate(ctx: _Context, batch: Sequence[_Todo]) -> list[list[Completion]]:
    requests = [
        Request(
            ctx.task.messages(t.problem), len(t.ids), _request_seed(t.problem.id, ctx.sampling, t.ids[0][0])
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
    for todo, row, futures in zip(batch, completions, verdicts):
        seed = _request_seed(todo.problem.id, ctx.sampling, todo.ids[0][0])
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
                    "gold": todo.problem.answer,
                    "task": ctx.task.name,
                    "prompt_hash": ctx.task.prompt_hash,
                    "model": ctx.generator.model_id,
                    "sampling": sampling_key,
                    "verifier": f"{ctx.verifier.name}@{ctx.verifier.version}",
                    "verifier_settings": ctx.verifier.settings_hash,
                }
            )
            ctx.tokens += completion.tokens
            ctx.attempts += 1
            bar.update(1)


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
        "verifier": f"{ctx.verifier.name}@{ctx.verifier.version}",
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
