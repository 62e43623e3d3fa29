# Vendored for bench/peers from https://github.com/hendrycks/math
# modeling/eval_math_gpt.py at commit 985bdc1696e88e8643f081a0ff4719da39f2ae2a, lines 57-64, unchanged.
# (The rest of eval_math_gpt.py needs torch/transformers and is not needed.)
# Copyright (c) 2021 Dan Hendrycks, MIT License (see LICENSE in this folder).

def remove_boxed(s):
    left = "\\boxed{"
    try:
        assert s[:len(left)] == left
        assert s[-1] == "}"
        return s[len(left):-1]
    except:
        return None
