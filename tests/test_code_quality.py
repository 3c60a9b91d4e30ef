from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "smclass"
# The flow a post takes, bottom to top: a package may import from its own layer and below.
LAYERS = {
    "errors": 0, "labels": 0, "atomic": 0,
    "reading": 1, "features": 2, "model": 3, "run": 4, "analyst": 5, "api": 6, "cli": 7, "__main__": 8,
}  # fmt: skip


def run_tool(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *args], cwd=ROOT, capture_output=True, text=True, timeout=600, check=False)


def library_modules() -> list[Path]:
    return [p for p in PACKAGE.rglob("*.py") if "cli" not in p.relative_to(PACKAGE).parts and p.name != "__main__.py"]


def smclass_imports(path: Path) -> list[str]:
    """Every smclass module that ``path`` imports, lazily inside functions too."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("smclass"):
            found += [f"{node.module}.{alias.name}" if node.module == "smclass" else node.module for alias in node.names]
        elif isinstance(node, ast.Import):
            found += [alias.name for alias in node.names if alias.name.startswith("smclass")]
    return found


def layer(module: str) -> int | None:
    parts = module.split(".")
    return LAYERS.get(parts[1]) if len(parts) > 1 else None


def test_ruff_finds_nothing() -> None:
    done = run_tool("ruff", "check", "src", "tests", "benchmarks", "scripts", "hatch_build.py")
    assert done.returncode == 0, done.stdout + done.stderr


def test_mypy_finds_nothing() -> None:
    done = run_tool("mypy")
    assert done.returncode == 0, done.stdout + done.stderr


def test_library_never_imports_the_cli_or_prints() -> None:
    for path in library_modules():
        source = path.read_text(encoding="utf-8")
        assert "import typer" not in source and "from rich" not in source and "import rich" not in source, path
        assert re.search(r"(?<![\w.])print\(", source) is None, path
        assert "smclass.cli" not in source, path


def test_no_package_imports_from_a_layer_above_it() -> None:
    wrong = []
    for path in PACKAGE.rglob("*.py"):
        own = layer("smclass." + ".".join(path.relative_to(PACKAGE).with_suffix("").parts))
        if own is None:
            continue
        wrong += [f"{path.relative_to(ROOT)} imports {name}" for name in smclass_imports(path) if (layer(name) or 0) > own]
    assert wrong == []


def test_modules_stay_small() -> None:
    long = {str(p.relative_to(ROOT)): n for p in PACKAGE.rglob("*.py") if (n := len(p.read_text(encoding="utf-8").splitlines())) > 450}
    assert long == {}
