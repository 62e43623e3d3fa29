"""StarFactory: sample chain-of-thought attempts, verify them, keep what is right.

Owns: the run (problems, generation, the STaR rounds, the run folder, training, figures). Does
not own: deciding whether an attempt is right (`verifiers`) or running untrusted code (`sandboxes`).

One layer per module or folder, each importing only the layers below it (the contract is
pyproject's `[tool.importlinter]`, checked by `make lint` and the tests):

    factory.__main__    the thin Hydra entry point
    factory.app         the composition root: config -> objects -> STaR loop -> the run's files
    factory.star        the STaR stages: sample, rationalize, select, train, and the round loop
    factory.tasks, .generators, .models, .run_folder, .metrics, .history, .report, .tracking,
    .sweep              the parts: problems, generator backends, the run folder's layout, figures
    verifiers           judging one attempt (math, code), with no knowledge of the factory
    sandboxes           running untrusted programs under limits
    factory.rows        reading rows and writing files (the verifier command lines use it too)

`import factory` is light on purpose: torch, transformers, vllm and wandb are imported inside the
backends that need them.
"""

__version__ = "0.1.0"
