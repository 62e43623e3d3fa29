"""Run math-verify on a math-verify case exactly the way its own test did.

    from bench.grading.mv_reference import run_like_test
    run_like_test(case)  # -> bool, compare with case["label"]

`case["mv_config"]["helper"]` is "compare_strings" (tests/test_all.py helper in
math-verify 0.9.0, reproduced below) or "parse_verify_defaults"
(tests/test_yujianll.py: verify(parse(gold), parse(pred))).
"""

from math_verify import ExprExtractionConfig, LatexExtractionConfig, parse, verify


def compare_strings(
    gold, pred, match_types=("latex", "expr"), precision=6, strict=True, allow_set_relation_comp=False
):
    # copy of math-verify 0.9.0 tests/test_all.py::compare_strings (Apache-2.0 / MIT header, HuggingFace)
    extraction_targets = []
    for match_type in match_types:
        if match_type == "latex":
            extraction_targets.append(LatexExtractionConfig(boxed_match_priority=0))
        elif match_type == "expr":
            extraction_targets.append(ExprExtractionConfig())
    gold_parsed = parse(gold, extraction_targets)
    pred_parsed = parse(pred, extraction_targets)
    return verify(
        gold_parsed,
        pred_parsed,
        float_rounding=precision,
        strict=strict,
        allow_set_relation_comp=allow_set_relation_comp,
    )


def run_like_test(case: dict) -> bool:
    cfg = case["mv_config"]
    if cfg["helper"] == "parse_verify_defaults":
        return bool(verify(parse(case["gold"]), parse(case["response"])))
    return bool(
        compare_strings(
            case["gold"],
            case["response"],
            match_types=cfg["match_types"],
            precision=cfg["precision"],
            strict=cfg["strict"],
            allow_set_relation_comp=cfg["allow_set_relation_comp"],
        )
    )
