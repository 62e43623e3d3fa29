"""What the verifier's pool runs: a reference the parent can pickle without importing sympy.

`pickle` sends a function by module and name, but the parent must hold the function to send it;
holding `symbolic.compare` would import sympy and latex2sympy2_extended there (about a second),
for runs whose answers the surface policy decides in process.
"""

from __future__ import annotations


def compare(gold: str, predicted: str, inequality_as_interval: bool = True) -> tuple[str, str]:
    from verifiers.math.symbolic import compare as symbolic_compare

    return symbolic_compare(gold, predicted, inequality_as_interval)
