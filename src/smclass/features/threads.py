"""How many threads each encoder of this process runs on (onnxruntime for MiniLM, OpenMP for e5)."""

from __future__ import annotations

# Two: the most this 2-core machine gives one encoder, measured in benchmarks/accurate.py.
# --jobs workers share the cores, so each worker sets its part before it loads a model;
# more threads than cores left the encoders waiting on each other.
_per_process = 2


def per_process() -> int:
    return _per_process


def use(threads: int) -> None:
    global _per_process
    _per_process = max(1, threads)
