"""A list of independent jobs shared out over forked processes, results in order.

Why fork: the jobs read what the check built before them (the project model, the
parsed files); a forked worker starts with all of it, so nothing is computed twice
and nothing is sent but the results. The parent does the first share itself and
reads the others' results from pipes; a worker that fails, dies or cannot be
started only costs time: the parent does that share itself. Where fork does not
exist (Windows), or the work is too small to pay for a process, the jobs run
here, one after the other. Either way the results are the same, in the same order.

How many processes: `--jobs N` / `RAILSAFE_JOBS` (1: one process; 0 or unset: one
per CPU this process may use). See `workers`.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")

ENV = "RAILSAFE_JOBS"
# Below this many jobs per process, starting one costs more than it saves (a fork of a
# 2,000-service check's parent takes ~20 ms; a command analysis ~0.25 ms).
MIN_PER_WORKER = 400


class JobsError(ValueError):
    """A `--jobs` / RAILSAFE_JOBS value that is not a whole number >= 0."""


def parse_jobs(value: str | int | None) -> int:
    """`--jobs` (else RAILSAFE_JOBS) as a number of processes; 0 means one per CPU."""
    if value is None:
        value = os.environ.get(ENV, "").strip() or "0"
        where = ENV
    else:
        where = "--jobs"
    try:
        jobs = int(value)
    except ValueError:
        raise JobsError(f"{where} takes a whole number (0: one per CPU), got {value!r}") from None
    if jobs < 0:
        raise JobsError(f"{where} takes a whole number (0: one per CPU), got {value!r}")
    return jobs or cpus()


def cpus() -> int:
    """The CPUs this process may run on (a container's limit, not the machine's)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def workers(jobs: int, count: int) -> int:
    """How many processes share `count` jobs: at most `jobs`, each with enough work."""
    if jobs <= 1 or count < 2 * MIN_PER_WORKER or not _can_fork():
        return 1
    return max(1, min(jobs, count // MIN_PER_WORKER))


def run(fn: Callable[[T], R], items: Sequence[T], jobs: int) -> list[R]:
    """`[fn(item) for item in items]`, shared out over up to `jobs` processes.

    Each worker's results must pickle. What `fn` changes in a worker's memory is lost
    with the worker: the caller replays what it needs from the results."""
    count = workers(jobs, len(items))
    if count == 1:
        return [fn(item) for item in items]
    size = -(-len(items) // count)
    shares = [items[i:i + size] for i in range(0, len(items), size)]
    later = [Later(functools.partial(_each, fn, share)) for share in shares[1:]]
    results = [fn(item) for item in shares[0]]
    for pending in later:
        results += pending.result()
    return results


def _each(fn: Callable[[T], R], share: Sequence[T]) -> list[R]:
    return [fn(item) for item in share]


class Later(Generic[R]):
    """`task()` started in a forked worker now; `result()` waits for it. A worker that
    cannot start, fails or dies costs only time: `result()` then runs `task()` here."""

    def __init__(self, task: Callable[[], R], fork: bool = True) -> None:
        self._task = task
        self._child = _start(task) if fork and _can_fork() else None

    def result(self) -> R:
        child, self._child = self._child, None
        got = _collect(child) if child is not None else None
        return got[0] if got is not None else self._task()


def _can_fork() -> bool:
    if not hasattr(os, "fork"):
        return False
    import threading

    return threading.active_count() == 1  # forking a threaded process is unsafe


def _start(task: Callable[[], Any]) -> tuple[int, int] | None:
    """Fork a worker running `task`: (pid, read end of its pipe), or None if it cannot."""
    try:
        read, write = os.pipe()
    except OSError:
        return None
    try:
        pid = os.fork()
    except OSError:
        os.close(read)
        os.close(write)
        return None
    if pid == 0:  # the worker: never returns
        os.close(read)
        _work(task, write)
    os.close(write)
    return pid, read


def _work(task: Callable[[], Any], write: int) -> None:
    import pickle

    status = 1
    try:
        data = pickle.dumps((task(),), protocol=pickle.HIGHEST_PROTOCOL)
        with os.fdopen(write, "wb") as out:
            out.write(data)
        status = 0
    except BaseException:  # the parent redoes the task: never a traceback from here
        pass
    finally:
        os._exit(status)  # no exit handlers, no flush of the parent's buffers


def _collect(child: tuple[int, int]) -> tuple[Any] | None:
    """(a worker's result,), or None when it failed (the caller then does its task)."""
    import pickle

    pid, read = child
    try:
        with os.fdopen(read, "rb") as pipe:
            data = pipe.read()
    except OSError:
        data = b""
    try:
        _, status = os.waitpid(pid, 0)
    except ChildProcessError:
        status = 1
    if status != 0 or not data:
        return None
    try:
        results = pickle.loads(data)
    except Exception:  # a truncated pipe: the caller redoes the task
        return None
    return results if isinstance(results, tuple) and len(results) == 1 else None

