"""The client's side: every input's tasks in one ordered run, each output written in order.

A job is one input and its output. Jobs are planned one after the other as
the run needs their tasks (a file's size or INDEX is read then), and all
their tasks share one bound on what is in flight, so many small files keep
the cluster as busy as one large one. Each output is opened when its job's
turn comes and closed when its last part is written; a job that fails (its
planning, a task, or its output) is closed with the error, which discards an
atomic output, and the tasks it still had in flight are dropped.
"""

from __future__ import annotations

import time
from contextlib import AbstractContextManager, ExitStack, closing
from dataclasses import dataclass, field
from typing import Any, BinaryIO, Callable, Iterable, Iterator, Protocol

from ..stream.stats import StreamStats
from ._ordered import Item, Local, OrderedTasks, Outcome


class Step(Protocol):
    """Work the client does itself when its turn comes, writing to the job's output."""

    def run(self, out: BinaryIO, stats: StreamStats) -> None: ...


@dataclass
class Job:
    """One input and its output: ``plan()`` gives its tasks in order, ``output()`` where they go."""

    name: str
    plan: Callable[[], Iterable[Item]]
    output: Callable[[], AbstractContextManager[Any]]  # gives a binary file (or anything with write)
    stats: StreamStats = field(default_factory=StreamStats)
    #: Called once the output is complete and closed (the command line's --rm and summary).
    finished: Callable[[Job], None] | None = None
    abandoned: bool = False  # failed: plan no further tasks
    ended: bool = False  # its last item was handed out


@dataclass(frozen=True)
class _End:
    job: Job
    error: BaseException | None = None


def _items(jobs: Iterable[Job]) -> Iterator[Item]:
    """Every job's tasks in order, each job closed by an end marker (with the planning error, if any)."""
    for job in jobs:
        try:
            for item in job.plan():
                if job.abandoned:
                    break
                yield item
        except Exception as exc:  # noqa: BLE001 - reported as the job's failure, in its turn
            yield Local(_End(job, exc))
            continue
        yield Local(_End(job))


def run_jobs(
    client: Any, jobs: list[Job], limit: int, on_error: Callable[[Job, Exception], None] | None = None
) -> OrderedTasks:
    """Run every job; a failure raises at once (``on_error`` None) or is passed to
    ``on_error`` while the other jobs go on. A job's elapsed time runs from the start
    of the run to its output's completion (its tasks ran beside earlier jobs').
    Returns the runner, for its counts."""
    runner = OrderedTasks(client, limit)
    with closing(runner.run(_items(jobs))) as results:
        started = time.perf_counter()
        for job in jobs:
            try:
                threads = job.stats.threads
                _write(job, results)
                # The job's own wall time and threads, not the sums of its tasks'.
                job.stats.elapsed, job.stats.threads = time.perf_counter() - started, threads
                if job.finished is not None:
                    job.finished(job)
            except Exception as exc:
                job.abandoned = True
                _skip(job, results)
                if on_error is None:
                    raise
                on_error(job, exc)
    return runner


def _write(job: Job, results: Iterator[tuple[Item, Outcome | None]]) -> None:
    """Write the job's results in order, up to its end marker. The output is opened
    with the first of them (a job that fails before it creates nothing) and left
    with the job's error, if any, so an atomic output is discarded."""
    with ExitStack() as stack:
        out: Any = None
        for item, outcome in results:
            step = item.step if isinstance(item, Local) else None
            if isinstance(step, _End):
                job.ended = True
                if step.error is not None:
                    raise step.error
                if out is None:
                    stack.enter_context(job.output())
                return
            if out is None:
                out = stack.enter_context(job.output())
            if outcome is None:
                assert step is not None
                step.run(out, job.stats)
                continue
            payload, stats = outcome.value()
            out.write(payload)
            if stats is not None:
                job.stats.add(stats)
        raise RuntimeError(f"the run ended before the last part of {job.name}")


def _skip(job: Job, results: Iterator[tuple[Item, Outcome | None]]) -> None:
    """Drop a failed job's remaining results, up to its end marker."""
    if job.ended:
        return
    for item, _outcome in results:
        if isinstance(item, Local) and isinstance(item.step, _End):
            job.ended = True
            return
