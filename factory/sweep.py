"""Hydra multirun support: one process per job, one W&B group per sweep, a ranking at the end.

Hydra's basic launcher runs every job in the launching process, so a model loaded by one job
(GPU memory, vLLM workers) would stay for the next. `run_job_in_subprocess` starts each job as its
own `python -m factory` with the job's overrides and waits for it; `SweepSummary` (a Hydra
callback, `conf/hydra/default.yaml`) reads every job's `summary.json` when the sweep ends, ranks
the jobs by pass@1 and writes `sweep_summary.json` beside them. It reads Hydra's own runtime config
(`HydraConfig`: overrides, sweep folder), never a job's config.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from hydra.experimental.callback import Callback
from rich.console import Console
from rich.table import Table

from factory.run_folder import RunFolder

CHILD_ENV = "STARFACTORY_SWEEP_CHILD"


def is_sweep_parent() -> bool:
    from hydra.core.hydra_config import HydraConfig
    from hydra.types import RunMode

    return HydraConfig.get().mode == RunMode.MULTIRUN and not os.environ.get(CHILD_ENV)


def run_job_in_subprocess(wandb_group: str | None) -> int:
    from hydra.core.hydra_config import HydraConfig

    hydra_cfg = HydraConfig.get()
    overrides = list(hydra_cfg.overrides.task)
    if wandb_group is None:  # every job of the sweep in one W&B group
        overrides.append(f"wandb.group={Path(hydra_cfg.sweep.dir).name}")
    command = [sys.executable, "-m", "factory", *overrides, f"hydra.run.dir={hydra_cfg.runtime.output_dir}"]
    return subprocess.run(command, env={**os.environ, CHILD_ENV: "1"}).returncode


class SweepSummary(Callback):
    def on_multirun_end(self, config, **kwargs) -> None:
        sweep_dir = Path(config.hydra.sweep.dir)
        jobs = []
        for job in map(RunFolder, sorted(sweep_dir.iterdir())):
            if not job.summary.exists():  # not a job's folder, or a job that failed
                continue
            summary = json.loads(job.summary.read_text())
            overrides = (job.root / ".hydra" / "overrides.yaml").read_text().splitlines()
            jobs.append(
                {
                    "job": job.root.name,
                    "overrides": [o.lstrip("- ") for o in overrides],
                    "pass@1": summary["pass@1"],
                    "solved": summary["solved"],
                    "problems": summary["problems"],
                    "tokens_per_s": summary["this_session"]["tokens_per_s"],
                }
            )
        jobs.sort(key=lambda job: -(job["pass@1"] or 0.0))
        (sweep_dir / "sweep_summary.json").write_text(json.dumps(jobs, indent=2) + "\n")
        table = Table(title="sweep jobs ranked by pass@1")
        for column in ("rank", "job", "overrides", "pass@1", "solved", "tok/s"):
            table.add_column(column)
        for rank, job in enumerate(jobs, start=1):
            table.add_row(
                str(rank),
                job["job"],
                " ".join(job["overrides"]),
                "n/a" if job["pass@1"] is None else f"{100 * job['pass@1']:.1f}%",
                f"{job['solved']}/{job['problems']}",
                str(job["tokens_per_s"]),
            )
        Console().print(table)
        print(f"sweep summary: {sweep_dir / 'sweep_summary.json'}")
