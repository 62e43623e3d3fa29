"""Peer grader: NeMo-Skills' math grader, run the way NeMo-Skills' MathEvaluator runs it.

Vendored code (unchanged) lives in bench/peers/_vendor/nemo_skills/:
  evaluation/math_grader.py  <- https://github.com/NVIDIA/NeMo-Skills/blob/0b012df8a09cd4730d31b16e90a0d8f13d145fb8/nemo_skills/evaluation/math_grader.py
  utils.py                   <- get_logger_name() only, from nemo_skills/utils.py at the same commit
Copyright (c) 2024-2025 NVIDIA CORPORATION, Apache License 2.0 (see _vendor/nemo_skills/LICENSE).

What NeMo-Skills does per sample (nemo_skills/evaluation/evaluator/math.py, MathEvaluator.eval_single,
default MathEvaluatorConfig: extract_from_boxed=True, extract_regex=r"The final answer is (.+)$",
take_modulo=None, numeric_precision=15, timeout=10):

    predicted_answer = extract_answer(generation, extract_from_boxed=True, extract_regex=...)
    symbolic_correct = math_equal(expected_answer, predicted_answer, take_modulo=None,
                                  numeric_precision=15, timeout_seconds=10)

NOTE: this grader is built on math-verify (it imports math_verify.parse/verify and
latex2sympy2_extended.normalize_latex), so it uses whatever math-verify is installed (0.9.0 in
.venv). math-verify's parse()/verify() time out with signal.SIGALRM (signal.signal + alarm), so
is_correct() must be called from the main thread (signal.signal raises ValueError elsewhere).
"""

from __future__ import annotations

import os
import sys

_VENDOR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "_vendor")
if _VENDOR not in sys.path:
    sys.path.insert(0, _VENDOR)

from nemo_skills.evaluation.math_grader import extract_answer, math_equal  # noqa: E402

# MathEvaluatorConfig defaults at the vendored commit
EXTRACT_FROM_BOXED = True
EXTRACT_REGEX = r"The final answer is (.+)$"
NUMERIC_PRECISION = 15
TIMEOUT_SECONDS = 10


def extract(response: str) -> str | None:
    return extract_answer(response, extract_from_boxed=EXTRACT_FROM_BOXED, extract_regex=EXTRACT_REGEX)


def is_correct(gold: str, response: str) -> bool:
    """Apply NeMo-Skills' own extraction (last \\boxed{...}) to the response, then its math_equal."""
    predicted = extract(response)
    return bool(
        math_equal(
            gold,
            predicted,
            take_modulo=None,
            numeric_precision=NUMERIC_PRECISION,
            timeout_seconds=TIMEOUT_SECONDS,
        )
    )


def is_equal_answers(gold: str, predicted: str | None) -> bool:
    """math_equal on an already-extracted answer (what tests/test_math_equal.py exercises)."""
    return bool(
        math_equal(gold, predicted, numeric_precision=NUMERIC_PRECISION, timeout_seconds=TIMEOUT_SECONDS)
    )
