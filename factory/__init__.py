"""StarFactory: sample chain-of-thought attempts, verify them, keep what is right.

`import factory` is light on purpose: torch, transformers, vllm and wandb are imported inside the
backends that need them.
"""

__version__ = "0.1.0"
