"""Rebuild bench/grading/cases.jsonl from the fetched third-party sources.

Nothing here is hand-written test data: every gold/response/label is read out of
the sources given on the command line (see SOURCES.md for where to get them).

    python bench/grading/build.py \
        --mv-tests   /tmp/mv/math_verify-0.9.0/tests \
        --nemo-test  /tmp/nemo/tests/test_math_equal.py \
        --qwen-jsonl /tmp/qwen/math_cot_100.jsonl \
        [--hand-labels bench/grading/qwen25_hand_labels.json] \
        [--out bench/grading/cases.jsonl]

The test tables are read with `ast` (no test module is imported and neither
math-verify nor NeMo-Skills needs to be installed): each
`@pytest.mark.parametrize(argnames, [rows...])` list is evaluated as a plain
Python expression with only the `math` module in scope (one math-verify row is an
f-string using math.sqrt), so the strings are exactly what pytest passes.
"""

from __future__ import annotations

import argparse
import ast
import json
import math
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

MV_VERSION = "math-verify==0.9.0 (PyPI sdist math_verify-0.9.0.tar.gz)"
NEMO_COMMIT = "0b012df8a09cd4730d31b16e90a0d8f13d145fb8"
QWEN_COMMIT = "a45202bd16f1ec06f433442dc1152d0074773465"
QWEN_PATH = "evaluation/data/eval_rm_maj_example/math_cot_100.jsonl"

# math-verify test files whose tables are (gold, pred, ..., expected) grading cases.
# Skipped on purpose (not gold/pred/label tables): test_string_extraction.py
# (parse() output lists), test_configs.py, test_gamma_func.py, test_timeout.py,
# test_raise_on_error.py.
MV_FILES = [
    "test_all.py",
    "test_boxed.py",
    "test_numina_cases.py",
    "test_open_thoughts.py",
    "test_strict.py",
    "test_yujianll.py",
]

# Notes (labels are NOT changed: they stay the test's expected value) on math-verify rows whose
# expected value is a math-verify policy or config choice rather than plain mathematical equality.
MV_NOTES = {
    "test_yujianll.py::test_string_extraction[9]": (
        "The test expects 1 - 1/e and 1 + 1/e to verify as EQUAL; mathematically they differ. "
        "Label kept as the test's expected value."
    ),
    "test_strict.py::test_strict_variable_comparison[0]": (
        "Same gold/response as [1]; the label depends on mv_config.strict (True here: f(x) != f(y))."
    ),
    "test_strict.py::test_strict_variable_comparison[1]": (
        "Same gold/response as [0]; the label depends on mv_config.strict (False: renaming allowed)."
    ),
    "test_all.py::test_set_rel_assymetry[2]": (
        "Same gold/response as [3]; label depends on mv_config.allow_set_relation_comp (True here). "
        "The raw string holds a literal double backslash before le."
    ),
    "test_all.py::test_set_rel_assymetry[3]": (
        "Same gold/response as [2]; label depends on mv_config.allow_set_relation_comp (False here)."
    ),
    "test_all.py::test_symbols[0]": (
        "The gold is a non-raw Python string, so its \\t is a TAB character: "
        "gold is '$<TAB>ext{13}$', not '$\\text{13}$' (math-verify issue #37)."
    ),
    "test_all.py::test_complex_math_expressions[4]": (
        "Gold and response are non-raw strings: '\\\\\\frac' holds a form feed (\\f), i.e. backslash + "
        "FF + 'rac{7}{4}', identically on both sides."
    ),
    "test_all.py::test_latex_notation[5]": (
        "Answer is right; False encodes math-verify's rule that inline $...$ may not span lines."
    ),
    "test_all.py::test_latex_notation[6]": (
        "Answer is right; False encodes math-verify's rule that inline \\(...\\) may not span lines."
    ),
    "test_all.py::test_math_extraction_additional_cases[24]": (
        "Extraction policy: '32, 349' (comma + space) is read as a list, unlike '32,\\! 349' in [23]."
    ),
    "test_open_thoughts.py::test_open_thoughts[28]": (
        "Extraction policy: two boxes separated by text in the gold are not merged (contrast [27])."
    ),
    "test_all.py::test_latex_notation_math[2]": "math-verify 0.9.0 itself fails this test (returns False).",
}

# Defaults of tests/test_all.py::compare_strings in 0.9.0.
CS_DEFAULTS = {
    "match_types": ["latex", "expr"],
    "precision": 6,
    "strict": True,
    "allow_set_relation_comp": False,
}


def _eval(node: ast.AST):
    """Evaluate a literal-ish expression node (strings, numbers, tuples, lists,
    f-strings over math.*, arithmetic) with no builtins."""
    code = compile(ast.Expression(node), "<table>", "eval")
    return eval(code, {"__builtins__": {}, "math": math})


def _parametrize_tables(tree: ast.Module):
    """Yield (func_node, argnames list, rows list) for each parametrized test."""
    for fn in tree.body:
        if not isinstance(fn, ast.FunctionDef) or not fn.name.startswith("test"):
            continue
        for dec in fn.decorator_list:
            if (
                isinstance(dec, ast.Call)
                and isinstance(dec.func, ast.Attribute)
                and dec.func.attr == "parametrize"
            ):
                names = _eval(dec.args[0])
                if isinstance(names, str):
                    names = [n.strip() for n in names.split(",")]
                rows = _eval(dec.args[1])
                yield fn, list(names), rows


def _calls(fn: ast.FunctionDef, name: str):
    for node in ast.walk(fn):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == name:
            yield node


def _mv_config_template(fn: ast.FunctionDef):
    """Return (kind, {kw: literal value or ('param', name)}) describing how the
    test calls math-verify."""
    cs = list(_calls(fn, "compare_strings"))
    if cs:
        call = cs[0]
        kws = {}
        for kw in call.keywords:
            if isinstance(kw.value, ast.Name):
                kws[kw.arg] = ("param", kw.value.id)
            else:
                kws[kw.arg] = _eval(kw.value)
        return "compare_strings", kws, call
    if list(_calls(fn, "verify")) and list(_calls(fn, "parse")):
        # test_yujianll: verify(parse(gold), parse(pred)) with library defaults
        return "parse_verify_defaults", {}, None
    raise ValueError(f"don't know how {fn.name} calls math-verify")


def _mv_config(kind: str, template: dict, params: dict) -> dict:
    if kind == "parse_verify_defaults":
        return {
            "helper": "parse_verify_defaults",
            "desc": "verify(parse(gold), parse(pred)): parse() default extraction_config "
            "(LatexExtractionConfig(), ExprExtractionConfig()), verify() defaults",
        }
    cfg = {"helper": "compare_strings"}
    for k, default in CS_DEFAULTS.items():
        v = template.get(k, default)
        if isinstance(v, tuple) and v and v[0] == "param":
            v = params[v[1]]
        cfg[k] = v
    cfg["desc"] = (
        "tests/test_all.py::compare_strings: parse() with 'latex' -> "
        "LatexExtractionConfig(boxed_match_priority=0), 'expr' -> ExprExtractionConfig(); "
        "verify(gold, pred, float_rounding=precision, strict=strict, "
        "allow_set_relation_comp=allow_set_relation_comp)"
    )
    return cfg


def build_math_verify(tests_dir: Path) -> list[dict]:
    cases = []
    for fname in MV_FILES:
        src = (tests_dir / fname).read_text()
        tree = ast.parse(src)
        for fn, names, rows in _parametrize_tables(tree):
            kind, template, _ = _mv_config_template(fn)
            label_key = "result" if "result" in names else "expected"
            for i, row in enumerate(rows):
                params = dict(zip(names, row))
                cases.append(
                    {
                        "source": "math-verify",
                        "origin": f"tests/{fname}@{MV_VERSION} :: {fn.name}[{i}]",
                        "gold": params["gold"],
                        "response": params["pred"],
                        "label": bool(params[label_key]),
                        "label_by": "source",
                        "mv_config": _mv_config(kind, template, params),
                    }
                )
                note = MV_NOTES.get(f"{fname}::{fn.name}[{i}]")
                if note:
                    cases[-1]["note"] = note
        # test_precision in test_all.py is not parametrized but ends with one
        # compare_strings(gold, pred, ...) == 1 assertion on strings: take it too.
        for fn in tree.body:
            if isinstance(fn, ast.FunctionDef) and fn.name == "test_precision":
                for call in _calls(fn, "compare_strings"):
                    gold, pred = _eval(call.args[0]), _eval(call.args[1])
                    template = {kw.arg: _eval(kw.value) for kw in call.keywords}
                    parent = next(
                        n for n in ast.walk(fn) if isinstance(n, ast.Compare) and call in ast.walk(n)
                    )
                    expected = _eval(parent.comparators[0])
                    cases.append(
                        {
                            "source": "math-verify",
                            "origin": f"tests/{fname}@{MV_VERSION} :: {fn.name}",
                            "gold": gold,
                            "response": pred,
                            "label": bool(expected),
                            "label_by": "source",
                            "mv_config": _mv_config("compare_strings", template, {}),
                        }
                    )
    return cases


def _nemo_str(v):
    """math_equal() applies str() to both sides itself; None as prediction means
    'no answer' (math_equal returns False at once)."""
    if v is None:
        return "", "source value is Python None (no extracted answer); written as ''"
    if isinstance(v, str):
        return v, None
    return str(v), f"source value is the Python {type(v).__name__} {v!r}; math_equal() str()s it"


def build_nemo(test_file: Path) -> list[dict]:
    tree = ast.parse(test_file.read_text())
    cases = []
    for fn, _names, rows in _parametrize_tables(tree):
        expected = {"test_correct_examples": True, "test_incorrect_examples": False}[fn.name]
        for i, pair in enumerate(rows):
            # the test asserts math_equal(a, b) and math_equal(b, a): two cases
            for direction, (g, p) in enumerate([(pair[0], pair[1]), (pair[1], pair[0])]):
                gs, gnote = _nemo_str(g)
                ps, pnote = _nemo_str(p)
                case = {
                    "source": "nemo-skills",
                    "origin": f"tests/test_math_equal.py@{NEMO_COMMIT} :: {fn.name}[{i}] "
                    + ("math_equal(pair[0], pair[1])" if direction == 0 else "math_equal(pair[1], pair[0])"),
                    "gold": gs,
                    "response": ps,
                    "label": expected,
                    "label_by": "source",
                    # math_equal() is given already-extracted answers, not model text
                    "response_is_extracted_answer": True,
                }
                notes = [n for n in (gnote and "gold: " + gnote, pnote and "response: " + pnote) if n]
                if notes:
                    case["note"] = "; ".join(notes)
                cases.append(case)
    return cases


def build_qwen(jsonl: Path, hand_labels: Path) -> list[dict]:
    hand = json.loads(hand_labels.read_text())
    hand.pop("_about", None)
    used = set()
    cases = []
    for r, line in enumerate(jsonl.read_text().splitlines()):
        row = json.loads(line)
        assert row["idx"] == r, (row["idx"], r)
        for j, (resp, score) in enumerate(zip(row["response"], row["score"])):
            key = f"{r}/{j}"
            case = {
                "source": "qwen25-math",
                "origin": f"{QWEN_PATH}@{QWEN_COMMIT} :: row {r} (idx {row['idx']}) response {j}",
                "gold": row["answer"],
                "response": resp,
                "label": bool(score),
                "label_by": "source",
            }
            if key in hand:
                used.add(key)
                h = hand[key]
                if bool(h["label"]) != bool(score):
                    case["label"] = bool(h["label"])
                    case["label_by"] = "hand"
                if h.get("note"):
                    case["note"] = h["note"]
                if h.get("ambiguous"):
                    case["ambiguous"] = True
            cases.append(case)
    unused = set(hand) - used
    if unused:
        raise SystemExit(f"hand labels for unknown responses: {sorted(unused)}")
    return cases


# Source labels that are mathematically wrong, corrected by hand (the case keeps its origin).
MV_HAND_LABELS = {
    271: (
        False,
        "hand: 1 - 1/e and 1 + 1/e differ; math-verify's table expects them equal (its float rounding)",
    ),
}


def _corrected(cases: list[dict]) -> list[dict]:
    for index, (label, note) in MV_HAND_LABELS.items():
        cases[index] = {**cases[index], "label": label, "label_by": "hand", "note": note}
    return cases


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument(
        "--mv-tests", type=Path, required=True, help="tests/ folder of the math-verify 0.9.0 sdist"
    )
    ap.add_argument("--nemo-test", type=Path, required=True, help="NeMo-Skills tests/test_math_equal.py")
    ap.add_argument("--qwen-jsonl", type=Path, required=True, help="Qwen2.5-Math " + QWEN_PATH)
    ap.add_argument("--hand-labels", type=Path, default=HERE / "qwen25_hand_labels.json")
    ap.add_argument("--out", type=Path, default=HERE / "cases.jsonl")
    a = ap.parse_args(argv)

    groups = [
        ("math-verify", _corrected(build_math_verify(a.mv_tests))),
        ("nemo-skills", build_nemo(a.nemo_test)),
        ("qwen25-math", build_qwen(a.qwen_jsonl, a.hand_labels)),
    ]
    with a.out.open("w") as f:
        for name, cases in groups:
            for n, c in enumerate(cases):
                assert isinstance(c["gold"], str) and isinstance(c["response"], str), c["origin"]
                f.write(json.dumps({"id": f"{name}-{n}", **c}, ensure_ascii=False) + "\n")
            t = sum(c["label"] for c in cases)
            print(f"{name}: {len(cases)} cases ({t} true, {len(cases) - t} false)", file=sys.stderr)
    print(f"wrote {a.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
