"""The STaR loop and its stages, one module each, in the order a round runs them:

- `sample.py`: one pass of sample-verify-keep (N attempts per problem, verified, correct ones kept);
- `rationalize.py`: problems no attempt solved, prompted again with the gold as a hint; rationales
  that leak the hint (per task kind) are rejected, the hint is stripped from the rest;
- `select.py`: at most K rows per problem from everything accepted so far, duplicates dropped;
- `train.py`: fine-tuning from the base model on the selection (TRL, LoRA), torch imported there;
- `loop.py`: the rounds, top to bottom, with their markers and the held-out evaluation.

Owns: what a round does and in which order. Does not own: where files go (`factory.run_folder`),
how objects are built from a config (`factory.app`), how answers are judged (`verifiers`).
"""
