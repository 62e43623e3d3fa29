"""Peer grader: Hendrycks MATH's is_equiv with its last-\\boxed{} extraction.

Vendored code (unchanged) lives in bench/peers/_vendor/hendrycks_math/, from
https://github.com/hendrycks/math at commit 985bdc1696e88e8643f081a0ff4719da39f2ae2a
(Copyright (c) 2021 Dan Hendrycks, MIT License, see _vendor/hendrycks_math/LICENSE):
  math_equivalence.py             <- modeling/math_equivalence.py (is_equiv, _strip_string)
  util.py                         <- modeling/dataset/util.py (last_boxed_only_string)
  eval_math_gpt_remove_boxed.py   <- remove_boxed() from modeling/eval_math_gpt.py

As modeling/eval_math_gpt.py runs it: output_str = last_boxed_only_string(output);
equiv = is_equiv(remove_boxed(output_str), remove_boxed(answer_str)). Here the gold is already
the answer string (MATH's boxed content), so it is passed to is_equiv as is. Pure string
normalisation: no sympy, no signals, no timeouts; safe from any thread.
"""

from __future__ import annotations

import importlib.util
import os

_VENDOR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "_vendor", "hendrycks_math")


def _load(filename: str):
    # loaded by path under a private name: the vendored file names (util.py, ...) are too generic
    # to put on sys.path
    spec = importlib.util.spec_from_file_location(
        f"_hendrycks_math_{filename[:-3]}", os.path.join(_VENDOR, filename)
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


is_equiv = _load("math_equivalence.py").is_equiv
last_boxed_only_string = _load("util.py").last_boxed_only_string
remove_boxed = _load("eval_math_gpt_remove_boxed.py").remove_boxed


def extract(response: str) -> str | None:
    boxed = last_boxed_only_string(response)
    return None if boxed is None else remove_boxed(boxed)


def is_correct(gold: str, response: str) -> bool:
    return bool(is_equiv(extract(response), gold))
