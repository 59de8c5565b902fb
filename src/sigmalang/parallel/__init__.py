"""sigmalang.parallel: decide how to run a function over data, then run it.

The decision (serial, threads or processes; how many workers; chunk size; how
much in flight) comes from measurements of the function and of this machine,
fed to a cost model; ``Plan.explain()`` shows both. This package does not
depend on the rest of sigmalang and can be used on its own.
"""

from ._dask import DaskExecutor
from ._execute import execute, imap
from ._measure import Measurements, Overheads
from ._memory import Backpressure
from ._model import Candidate
from ._optimize import optimize, optimize_streaming
from ._plan import Plan, StreamingPlan
from ._pool import PoolManager

__all__ = [
    "Backpressure",
    "Candidate",
    "DaskExecutor",
    "Measurements",
    "Overheads",
    "Plan",
    "PoolManager",
    "StreamingPlan",
    "execute",
    "imap",
    "optimize",
    "optimize_streaming",
]
