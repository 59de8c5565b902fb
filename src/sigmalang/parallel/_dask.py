"""Dask distributed backend: run a plan's chunks on a ``distributed.Client``.

Wrapped as a ``concurrent.futures.Executor`` so the same run loop drives it.
dask is optional: without it, using the backend raises ImportError saying
what to install.
"""

from __future__ import annotations

import contextlib
from concurrent.futures import Executor, Future
from typing import Any, Callable

INSTALL_HINT = (
    "the 'dask' backend needs dask.distributed; install it with "
    "pip install 'dask[distributed]' (or pip install 'sigmalang[dask]')"
)


def _import_distributed() -> Any:
    try:
        import distributed
    except ImportError as exc:
        raise ImportError(INSTALL_HINT) from exc
    return distributed


class _DaskFuture(Future):
    """A concurrent future whose cancel() also cancels the Dask task."""

    def __init__(self, dask_future: Any) -> None:
        super().__init__()
        self._dask_future = dask_future

    def cancel(self) -> bool:
        with contextlib.suppress(Exception):
            self._dask_future.cancel()
        return super().cancel()


class DaskExecutor(Executor):
    """Executor over a distributed.Client (a LocalCluster is started if none).

    A cluster started here has n_workers single-threaded worker processes and
    is closed by shutdown(); a client passed in is left open.
    """

    def __init__(self, client: Any = None, *, n_workers: int | None = None) -> None:
        distributed = _import_distributed()
        self._cluster = None
        if client is None:
            self._cluster = distributed.LocalCluster(
                n_workers=n_workers, threads_per_worker=1, processes=True, dashboard_address=None
            )
            client = distributed.Client(self._cluster)
        self._client = client
        self._shutdown = False

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future:
        if self._shutdown:
            raise RuntimeError("cannot submit after shutdown")
        dask_future = self._client.submit(fn, *args, pure=False, **kwargs)
        fut = _DaskFuture(dask_future)
        fut.set_running_or_notify_cancel()

        def _done(df: Any) -> None:
            if fut.done():
                return
            try:
                fut.set_result(df.result())
            except BaseException as exc:  # includes CancelledError from Dask
                with contextlib.suppress(Exception):
                    fut.set_exception(exc)

        dask_future.add_done_callback(_done)
        return fut

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        self._shutdown = True
        if self._cluster is not None:
            with contextlib.suppress(Exception):
                self._client.close()
                self._cluster.close()
