"""`python -m factory [hydra overrides]`: the thin Hydra entry point; `factory.app` does the rest."""

import hydra
from omegaconf import DictConfig

from factory import app


@hydra.main(version_base="1.3", config_path="../conf", config_name="config")
def main(cfg: DictConfig) -> None:
    app.main(cfg)


if __name__ == "__main__":  # also guards vLLM's and the verifier's worker processes
    main()
