"""The layer contract in pyproject.toml holds, and it would catch a violating import."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def _lint(tree: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(LINT_IMPORTS), "--config", str(tree / "pyproject.toml"), "--no-cache"],
        cwd=tree,
        env={**os.environ, "PYTHONPATH": str(tree)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _copy(tmp_path: Path) -> Path:
    tree = tmp_path / "tree"
    shutil.copytree(ROOT / "baton", tree / "baton", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tree / "pyproject.toml")
    return tree


def test_the_tree_keeps_its_layers_and_a_channel_importing_journeys_breaks_them(
    tmp_path: Path,
) -> None:
    tree = _copy(tmp_path)
    kept = _lint(tree)
    assert kept.returncode == 0, kept.stdout + kept.stderr
    assert "1 kept, 0 broken" in kept.stdout

    probe = tree / "baton" / "channels" / "consent.py"
    probe.write_text(probe.read_text() + "\nfrom baton.journeys import store  # noqa\n")
    broken = _lint(tree)
    assert broken.returncode != 0
    assert "baton.channels is not allowed to import baton.journeys" in broken.stdout
    assert "baton.channels.consent -> baton.journeys.store" in broken.stdout
