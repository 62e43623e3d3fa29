"""The import-layer contract (pyproject's `[tool.importlinter]`): the tree keeps it, and a lower
layer that imports a higher one breaks it. Checked with import-linter, as `make lint` runs it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO

LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint_imports(root: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(root)}  # the packages under `root`, not the installed ones
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--no-logo", str(root / "pyproject.toml")],
        cwd=root, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def test_the_tree_keeps_its_layers():
    result = lint_imports(REPO)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 kept, 0 broken" in result.stdout


def test_a_verifier_that_imports_the_star_loop_breaks_the_contract(tmp_path):
    for package in ("factory", "verifiers", "sandboxes"):
        shutil.copytree(REPO / package, tmp_path / package, ignore=shutil.ignore_patterns("data"))
    shutil.copyfile(REPO / "pyproject.toml", tmp_path / "pyproject.toml")
    with open(tmp_path / "verifiers" / "cli.py", "a") as module:
        module.write("\nfrom factory.star.loop import StarLoop  # noqa: E402\n")
    result = lint_imports(tmp_path)
    assert result.returncode == 1 and "0 kept, 1 broken" in result.stdout
    assert "verifiers.cli -> factory.star.loop" in result.stdout
