"""`python -m factory [hydra overrides]`: the thin Hydra entry point around `factory.loop.run`."""

import hydra
from omegaconf import DictConfig

from factory.loop import run
from factory.models import ModelNotFoundError
from factory.report import render_summary
from factory.store import AttemptLogError
from factory.sweep import is_sweep_parent, run_job_in_subprocess
from factory.tasks import ProblemFileError
from sandboxes import SandboxUnavailable

# Errors in what the user gave us (or a backend this machine lacks): one plain line, no traceback.
USER_ERRORS = (ProblemFileError, ModelNotFoundError, AttemptLogError, SandboxUnavailable)


@hydra.main(version_base="1.3", config_path="../conf", config_name="config")
def main(cfg: DictConfig) -> None:
    if is_sweep_parent():  # under -m, each job gets a process of its own
        if run_job_in_subprocess(cfg) != 0:
            raise SystemExit("error: a sweep job failed; its output is above")
        return
    try:
        result = run(cfg)
    except USER_ERRORS as exc:
        raise SystemExit(f"error: {exc}") from None
    render_summary(result.summary)
    print(f"run dir: {result.run_dir}")


if __name__ == "__main__":  # also guards vLLM's and the verifier's worker processes
    main()
