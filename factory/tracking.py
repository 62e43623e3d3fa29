"""W&B tracking, offline by default (`wandb.mode=online` to sync, `disabled` to skip).

wandb is imported here only, so `import factory` and CPU unit tests never need it.
"""

from __future__ import annotations

from pathlib import Path


class WandbTracker:
    def __init__(
        self,
        run_dir: Path,
        config: dict,
        mode: str = "offline",
        project: str = "starfactory",
        group: str | None = None,
        name: str | None = None,
    ):
        self._run = None
        if mode == "disabled":
            return
        import wandb

        self._run = wandb.init(
            mode=mode, project=project, group=group, name=name, dir=str(run_dir), config=config
        )

    def log_summary(self, summary: dict) -> None:
        if self._run is None:
            return
        flat = {k: v for k, v in summary.items() if isinstance(v, int | float)}
        flat.update({f"session/{k}": v for k, v in summary["this_session"].items() if v is not None})
        self._run.log(flat)
        self._run.summary.update(flat)

    def log_round(self, summary: dict) -> None:
        """One W&B step per STaR round, and a table of that round's figures under its own key."""
        if self._run is None:
            return
        import wandb

        flat = {f"round/{k}": v for k, v in summary.items() if isinstance(v, int | float) and k != "round"}
        flat.update({f"round/hint_leak/{k}": v for k, v in summary.get("hint_leak_rejections", {}).items()})
        flat.update({f"monitor/{k}": v for k, v in (summary.get("monitor") or {}).items() if v is not None})
        for step, reasons in ((summary.get("quality") or {}).get("dropped") or {}).items():
            flat.update({f"quality/{step}/{reason}": count for reason, count in reasons.items()})
        for key, value in summary.items():  # intervals and paired gains, as scalars W&B can chart
            if key.endswith("_ci95") and value:
                flat[f"round/{key}_low"], flat[f"round/{key}_high"] = value
            elif "_gain_vs_" in key and value:
                flat[f"round/{key}"] = value["diff"]
                flat[f"round/{key}_low"], flat[f"round/{key}_high"] = value["ci95"]
        scalars = {k: v for k, v in summary.items() if not isinstance(v, dict)}
        flat[f"rounds/round-{summary['round']}"] = wandb.Table(
            columns=list(scalars), data=[[str(v) if v is not None else "" for v in scalars.values()]]
        )
        self._run.log(flat, step=summary["round"] if isinstance(summary["round"], int) else None)

    def log_dataset(self, path: Path) -> None:
        """The accepted training set as a W&B artifact."""
        if self._run is None:
            return
        import wandb

        artifact = wandb.Artifact(f"{self._run.name or 'run'}-train", type="dataset")
        artifact.add_file(str(path))
        self._run.log_artifact(artifact)

    def finish(self) -> None:
        if self._run is not None:
            self._run.finish()
            self._run = None
