"""Build hook: compile smclass's C sources into its extension modules (_kernel, _normalize).

It runs with the C compiler Python itself was built with (or $CC). An editable install
compiles next to the sources; a wheel carries the modules. Without a compiler the build
goes on and smclass runs the same code in numpy and Python alone, several times slower
(``smclass --version`` says which). Set SMCLASS_REQUIRE_KERNEL=1 to make a failed compile
fail the install instead.
"""

from __future__ import annotations

import gzip
import os
import shlex
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

MODULES = ("_kernel", "_normalize")
# Where the C sources live, and so where the modules go: smclass.features._kernel, ...
PACKAGE = Path("src") / "smclass" / "features"


def _compile(root: Path, source: Path, target: Path) -> str | None:
    """Compile one C source to the module ``target``; returns why not, or None when it worked."""
    compiler = shlex.split(os.environ.get("CC") or sysconfig.get_config_var("CC") or "cc")
    flags = ["-O3", "-fPIC", "-shared", "-std=c99", "-Wall", "-fno-strict-aliasing"]
    include = ["-I", sysconfig.get_paths()["include"]]
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as work:
        partial = Path(work) / target.name
        command = [*compiler, *flags, *include, str(root / source), "-o", str(partial)]
        try:
            done = subprocess.run(command, capture_output=True, text=True, check=False)
        except OSError as exc:
            return f"{compiler[0]}: {exc}"
        if done.returncode != 0:
            return done.stderr.strip() or f"{compiler[0]} exited with {done.returncode}"
        os.replace(partial, target)
    return None


class KernelBuildHook(BuildHookInterface):  # type: ignore[misc]
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        root = Path(self.root)
        suffix = sysconfig.get_config_var("EXT_SUFFIX") or ".so"
        if version != "editable":
            self._work = tempfile.mkdtemp(prefix="smclass-kernel-")
        built = []
        for module in MODULES:
            source = PACKAGE / f"{module}.c"
            name = module + suffix
            target = root / PACKAGE / name if version == "editable" else Path(self._work) / name
            why = _compile(root, source, target)
            if why is not None:
                if os.environ.get("SMCLASS_REQUIRE_KERNEL") == "1":
                    raise RuntimeError(f"compiling {source} failed:\n{why}")
                print(f"smclass: compiling {source} failed; smclass will run without it.\n{why}", file=sys.stderr)
                continue
            built.append((target, name))
        if built:
            build_data["pure_python"] = False
            build_data["infer_tag"] = True
        if version != "editable":
            for target, name in built:
                build_data["force_include"][str(target)] = f"{PACKAGE.relative_to('src').as_posix()}/{name}"

        self._bundle_data(version, build_data)

    def _bundle_data(self, version: str, build_data: dict[str, Any]) -> None:
        """The sample posts and the written corpus, gzipped into the wheel (an editable install reads data/ itself)."""
        if version == "editable":
            return
        root = Path(self.root)
        work = Path(self._work)
        bundles = {
            "sample_posts.jsonl.gz": [root / "data" / "sample_posts.jsonl"],
            "corpus.jsonl.gz": sorted((root / "data" / "corpus").glob("*.jsonl")),
        }
        for name, sources in bundles.items():
            target = work / name
            # mtime=0 and a fixed name inside: the same data gives the same bytes.
            with target.open("wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=9) as packed:
                for source in sources:
                    data = source.read_bytes()
                    packed.write(data if data.endswith(b"\n") else data + b"\n")
            build_data["force_include"][str(target)] = f"smclass/_data/{name}"

    def finalize(self, version: str, build_data: dict[str, Any], artifact_path: str) -> None:
        work = getattr(self, "_work", None)
        if work:
            shutil.rmtree(work, ignore_errors=True)
