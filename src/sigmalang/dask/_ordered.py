"""Tasks on a cluster, results in submission order, a bounded number in flight.

Up to ``limit`` tasks are submitted (``pure=False``: two ranges with equal
arguments are still two tasks); results are gathered as they complete
(``as_completed``), wherever they come in the order, and handed out in
submission order, which is the order the writer needs. A result is handed out
before the next task is submitted, so at most ``limit`` results, finished or
not, exist at once: that bounds the client's memory (each is one range) as
well as the cluster's queue.

Steps that run on the client (``Local``) pass through in their place without
being submitted: the writer runs them when their turn comes.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Any, Callable, Generator, Iterable, Iterator

@dataclass(frozen=True)
class Remote:
    """A call to run on a worker: ``function(*arguments)``."""

    function: Callable[..., Any]
    arguments: tuple[Any, ...]


@dataclass(frozen=True)
class Local:
    """A step the writer runs on the client when its turn comes (nothing is submitted)."""

    step: Any


Item = Remote | Local


@dataclass
class Outcome:
    """What became of a Remote task (None for a Local step)."""

    future: Any
    result: Any

    def value(self) -> Any:
        """The task's return value; its own exception if it raised (as a local call would)."""
        status = self.future.status
        if status == "error":
            _type, exc, traceback = self.result
            raise exc.with_traceback(traceback)
        if status == "cancelled" or isinstance(self.result, BaseException):
            raise RuntimeError(f"a cluster task was cancelled: {self.future.key}")
        return self.result


@dataclass(slots=True)
class _Task:
    future: Any
    done: bool = False
    result: Any = None  # (type, exception, traceback) when the task failed, as as_completed gives it


@dataclass
class OrderedTasks:
    """Runs items on ``client`` (a ``distributed.Client``) and yields them in order with their outcomes."""

    client: Any
    limit: int
    #: Most Remote tasks submitted and not yet handed out at any time (for tests and benchmarks).
    peak_in_flight: int = 0
    submitted: int = 0
    _window: deque[tuple[Item, _Task | None]] = field(default_factory=deque)
    _in_flight: int = 0

    def __post_init__(self) -> None:
        if self.limit < 1:
            raise ValueError(f"at least one task must be allowed in flight, got {self.limit}")

    def run(self, items: Iterable[Item]) -> Generator[tuple[Item, Outcome | None], None, None]:
        from distributed import as_completed

        completed = as_completed(loop=self.client.loop, with_results=True, raise_errors=False)
        tasks: dict[str, _Task] = {}
        source = iter(items)
        try:
            while True:
                self._refill(source, completed, tasks)
                if not self._window:
                    return
                item, task = self._window[0]
                if task is not None and not task.done:
                    future, result = next(completed)
                    finished = tasks.pop(future.key)
                    finished.done, finished.result = True, result
                    continue
                self._window.popleft()
                if task is None:
                    yield item, None
                    continue
                self._in_flight -= 1
                yield item, Outcome(task.future, task.result)
        finally:
            self._cancel()

    def _refill(self, source: Iterator[Item], completed: Any, tasks: dict[str, _Task]) -> None:
        """Submit items until ``limit`` tasks are in flight (Local steps take their place in line)."""
        while self._in_flight < self.limit:
            item = next(source, None)
            if item is None:
                return
            task = None
            if isinstance(item, Remote):
                task = _Task(self.client.submit(item.function, *item.arguments, pure=False))
                tasks[task.future.key] = task
                completed.add(task.future)
                self.submitted += 1
                self._in_flight += 1
                self.peak_in_flight = max(self.peak_in_flight, self._in_flight)
            self._window.append((item, task))

    def _cancel(self) -> None:
        """Cancel what is still pending (the caller stopped early, or failed)."""
        pending = [task.future for _, task in self._window if task is not None and not task.done]
        self._window.clear()
        self._in_flight = 0
        if pending:
            self.client.cancel(pending)
