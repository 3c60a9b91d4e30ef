from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run_tool(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *args], cwd=ROOT, capture_output=True, text=True, timeout=600, check=False)


def test_ruff_finds_nothing() -> None:
    done = run_tool("ruff", "check", "src", "tests", "benchmarks", "scripts", "hatch_build.py")
    assert done.returncode == 0, done.stdout + done.stderr


def test_mypy_finds_nothing() -> None:
    done = run_tool("mypy")
    assert done.returncode == 0, done.stdout + done.stderr


def test_library_never_imports_the_cli_or_prints() -> None:
    for path in (ROOT / "src" / "smclass").glob("*.py"):
        if path.name in ("cli.py", "__main__.py"):
            continue
        source = path.read_text(encoding="utf-8")
        assert "import typer" not in source and "from rich" not in source and "import rich" not in source, path
        assert re.search(r"(?<![\w.])print\(", source) is None, path
        assert "smclass.cli" not in source, path
