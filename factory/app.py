"""The composition root: a Hydra config becomes objects, the STaR loop runs, the run's files are
written. This is the only module that reads a DictConfig; everything it builds takes plain values.

`main(cfg)` is what `python -m factory` calls: a sweep parent hands each job to a process of its
own (`factory.sweep`); a job runs `run(cfg)` and prints its summary, and an error in what the user
gave (a bad problem row, a missing model, a task and verifier of different kinds, a sandbox this
machine lacks) ends it with one `error:` line instead of a traceback.
"""

from __future__ import annotations

import json
import shutil
from contextlib import ExitStack
from dataclasses import asdict, dataclass
from pathlib import Path

from factory.generators import BackendUnavailable, SamplingSettings
from factory.hardware import DtypeChoice
from factory.models import ModelNotFoundError
from factory.quality.decontaminate import ContaminationError
from factory.report import render_summary
from factory.rows import RowError, write_json_atomic
from factory.run_folder import AttemptLogError, RunFolder
from factory.star.loop import StarLoop, StarSettings, Trainer
from factory.star.sample import UntilCorrect
from factory.tasks import Task
from sandboxes import SandboxUnavailable


class ConfigError(ValueError):
    """Parts of a config that do not fit together; the message says which and what would."""


# Errors in what the user gave us (or a backend this machine lacks): one plain line, no traceback.
USER_ERRORS = (
    RowError,
    ModelNotFoundError,
    AttemptLogError,
    SandboxUnavailable,
    ConfigError,
    BackendUnavailable,
    ContaminationError,
)


@dataclass(frozen=True)
class RunResult:
    run_dir: Path
    summary: dict


def main(cfg) -> None:
    from factory.sweep import is_sweep_parent, run_job_in_subprocess

    if is_sweep_parent():  # under -m, each job gets a process of its own
        if run_job_in_subprocess(cfg.wandb.group) != 0:
            raise SystemExit("error: a sweep job failed; its output is above")
        return
    try:
        result = run(cfg)
    except USER_ERRORS as exc:
        raise SystemExit(f"error: {exc}") from None
    render_summary(result.summary)
    print(f"run dir: {result.run_dir}")


def run(cfg) -> RunResult:
    """STaR rounds from a Hydra config; one round without training is plain rejection sampling.
    The run's `summary.json` and `train.jsonl` describe the last round."""
    from omegaconf import OmegaConf

    from factory.tracking import WandbTracker

    folder = RunFolder(Path(cfg.run_dir))
    folder.root.mkdir(parents=True, exist_ok=True)
    task: Task = _instantiate(cfg.task)  # bad rows fail here, before any model loads
    heldout: Task | None = _instantiate(cfg.star.heldout) if cfg.star.heldout else None
    _check_kinds(cfg.verifier, task, heldout)
    dtype = _hardware_dtype(cfg.generator)
    generator_overrides = {"dtype": dtype.dtype} if dtype else {}
    strategy = {k: cfg.sampling[k] for k in ("strategy", "until_correct", "max_samples") if k in cfg.sampling}
    sampling = SamplingSettings(**{k: v for k, v in cfg.sampling.items() if k not in strategy})
    until_correct = _until_correct(strategy)
    settings = StarSettings(**{k: v for k, v in cfg.star.items() if k not in ("heldout", "training")})
    quality = _quality(cfg, task, heldout)
    if quality is not None:
        quality.refuse_test_problems()  # before any model loads
    with ExitStack() as stack:
        tracker = WandbTracker(
            run_dir=folder.root, config=OmegaConf.to_container(cfg, resolve=True), **cfg.wandb
        )
        stack.callback(tracker.finish)
        verifier = _verifier(cfg.verifier, task)
        stack.callback(verifier.close)
        star = StarLoop(
            task,
            heldout,
            lambda model: _instantiate(cfg.generator, model=model, **generator_overrides),
            verifier,
            _trainer(cfg) if settings.train else None,
            sampling,
            settings,
            folder.root,
            cfg.batch_problems,
            until_correct,
            quality,
            _instantiate(cfg.prompting, _convert_="all"),
        )
        rounds = star.run(cfg.generator.model, on_round=tracker.log_round)
        summary = write_results(folder, rounds, {"dtype": dtype.as_record()} if dtype else {})
        tracker.log_summary(summary)
        tracker.log_dataset(folder.train)
    return RunResult(folder.root, summary)


def write_results(folder: RunFolder, rounds: list[dict], extra: dict) -> dict:
    """The run's own files, from its rounds: summary (with `extra`), last selection, history,
    held-out plot."""
    from factory.history import plot_heldout, plot_monitor, write_history

    last = next(r for r in reversed(rounds) if r["round"] != "final")  # not the final evaluation
    last_round = folder.round(last["round"])
    sample_summary = json.loads(last_round.stage("sample").summary.read_text())
    summary = {**sample_summary, **extra, "train_rows": last["selected_rows"], "rounds": rounds}
    write_json_atomic(folder.summary, summary)
    shutil.copyfile(last_round.selection, folder.train)
    write_history(folder.root, rounds)
    plot_heldout(folder.root, rounds)
    plot_monitor(folder.root, rounds)
    return summary


def _quality(cfg, task: Task, heldout: Task | None):
    """The quality steps and monitor (`quality:`), or None when `quality.enabled=false`."""
    from omegaconf import OmegaConf

    from factory.models import cache_root
    from factory.quality.layer import QualityLayer, QualitySettings

    values = OmegaConf.to_container(cfg.quality, resolve=True)
    if not values.pop("enabled", True):
        return None
    settings = QualitySettings.from_dict(values)
    return QualityLayer(task, heldout, _instantiate(cfg.embedder), settings, cache_root() / "embeddings")


def _hardware_dtype(generator) -> DtypeChoice | None:
    """`dtype=auto` made concrete for this machine, printed once; None for a backend without one."""
    if "dtype" not in generator:
        return None
    from factory.hardware import Capabilities, choose_dtype

    choice = choose_dtype(generator.dtype, Capabilities.detect(generator.get("device", "auto")))
    print(f"dtype: {choice.dtype} ({choice.reason})")
    return choice


def _verifier(verifier_cfg, task: Task):
    """The verifier, its settings left null filled from the task; a judge's `after` verifier too."""
    overrides = _task_verifier_settings(verifier_cfg, task)
    if verifier_cfg.get("after"):
        overrides["after"] = _instantiate(
            verifier_cfg.after, **_task_verifier_settings(verifier_cfg.after, task)
        )
    return _instantiate(verifier_cfg, **overrides)


def _task_verifier_settings(verifier_cfg, task: Task) -> dict:
    """The settings the config leaves null (`last_number_fallback: null`: "as the task asks"),
    filled from the task."""
    return {name: value for name, value in task.verifier_settings if verifier_cfg.get(name, 0) is None}


def _until_correct(strategy: dict) -> UntilCorrect | None:
    """`sampling.strategy`: `uniform` (n per problem) or `until_correct` (DART-Math's
    difficulty-aware sampling: more samples for a problem until `until_correct` are correct, at
    most `max_samples`)."""
    name = strategy.get("strategy", "uniform")
    if name == "uniform":
        return None
    if name != "until_correct":
        raise ConfigError(f"sampling.strategy={name!r}: expected uniform or until_correct")
    return UntilCorrect(int(strategy.get("until_correct", 1)), int(strategy.get("max_samples", 16)))


def _check_kinds(verifier_cfg, task: Task, heldout: Task | None) -> None:
    from hydra.utils import get_class

    verifier_target = verifier_cfg._target_
    kind = verifier_cfg.get("kind") or get_class(verifier_target).kind
    for checked in (task, heldout):
        if checked is not None and checked.kind != kind:
            raise ConfigError(
                f"task {checked.name!r} is a {checked.kind} task, but the verifier ({verifier_target}) "
                f"judges {kind} answers: use verifier={checked.kind}"
            )


def _trainer(cfg) -> Trainer:
    from factory.models import resolve_model
    from factory.star.train import TrainSettings, finetune

    base = resolve_model(cfg.generator.model)  # always the BASE model (STaR, ReST-EM)
    settings = TrainSettings(**cfg.star.training)

    def train(rows: list[dict], output_dir: Path) -> dict:
        result = finetune(base, rows, output_dir, settings)
        loss = f"{result.train_loss:.3f}"
        print(f"trained {result.steps} steps on {result.rows} rows in {result.dtype}: loss {loss}")
        return {
            "train_loss": result.train_loss,
            "steps": result.steps,
            "rows": result.rows,
            "dtype": result.dtype,
            "settings": asdict(settings),
        }

    return train


def _instantiate(node, **overrides):
    """hydra's instantiate, minus its wrapper around errors that are about the user's input."""
    from hydra.errors import InstantiationException
    from hydra.utils import instantiate

    try:
        return instantiate(node, **overrides)
    except InstantiationException as exc:
        if isinstance(exc.__cause__, RowError | ModelNotFoundError | SandboxUnavailable | BackendUnavailable):
            raise exc.__cause__ from None
        raise
