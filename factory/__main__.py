"""`python -m factory [hydra overrides]`: the thin Hydra entry point around `factory.loop.run`."""

import hydra
from omegaconf import DictConfig

from factory.loop import run
from factory.report import render_summary


@hydra.main(version_base="1.3", config_path="../conf", config_name="config")
def main(cfg: DictConfig) -> None:
    result = run(cfg)
    render_summary(result.summary)
    print(f"run dir: {result.run_dir}")


if __name__ == "__main__":  # also guards vLLM's and the verifier's worker processes
    main()
