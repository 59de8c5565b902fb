"""The reference matcher: REFERENCE copies looked up on a thread of their own, in stream order.

Every chunk must be matched against the blocks of the chunks before it, so
lookups run one at a time, in order, while the workers encode earlier chunks;
a chunk's worker waits for its copies. The copies therefore never depend on
the thread count.
"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor

from ..buffers import Buffer
from ..codecs.blocks import BlockIndex
from ..codecs.policy import ChunkPolicy
from ..codecs.reference import Copy

class ReferenceMatcher:
    def __init__(self, window: int, policy: ChunkPolicy) -> None:
        self._blocks = BlockIndex(window)
        self._policy = policy
        self._thread = ThreadPoolExecutor(1, thread_name_prefix="sigmalang-ref")

    def submit(self, raw: Buffer, position: int, segment_start: int) -> Future[list[Copy] | None]:
        """Look up the chunk at raw offset ``position`` (after every chunk submitted before
        it): its copies worth storing, or None."""
        return self._thread.submit(self._match, raw, position, segment_start)

    def _match(self, raw: Buffer, position: int, segment_start: int) -> list[Copy] | None:
        return self._policy.worth_copying(self._blocks.copies(raw, position, segment_start))

    def close(self) -> None:
        self._thread.shutdown(wait=True, cancel_futures=True)
