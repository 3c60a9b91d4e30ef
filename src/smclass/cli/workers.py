"""``--jobs``: how many workers a run starts, and what to say of a number that does not fit."""

from __future__ import annotations

from smclass.errors import UsageError
from smclass.run.parallel import cores


def jobs_asked(value: str, scheduler: str | None) -> int:
    """Workers for --jobs: auto (or 0) is one per usable core; the pool still waits for a big input."""
    auto = value.strip().lower() in ("auto", "0")
    if scheduler is not None and not auto:
        # The cluster behind a scheduler runs the workers it has; a number given here would be dropped unsaid.
        raise UsageError(f"--jobs {value} starts local workers: a --scheduler's cluster runs its own; leave out --jobs")
    if auto:
        return cores()
    try:
        count = int(value)
    except ValueError:
        count = -1
    if count < 1:
        raise UsageError(f"--jobs: expected a number of workers or 'auto', got {value!r}")
    return count
