"""The reference matcher: REFERENCE copies looked up on a thread of their own, in stream order.

Every chunk must be matched against the anchors of the chunks before it, so
lookups run one at a time, in order, while the workers encode earlier chunks;
a chunk's worker waits for its copies. The copies therefore never depend on
the thread count, nor on where the earlier bytes are read back from.
"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor

from ..buffers import Buffer
from ..codecs.detect import Detection
from ..codecs.longrange import Density, LongRangeMatcher, Source
from ..codecs.policy import ChunkPolicy
from ..codecs.reference import CopyTable
from .reader import PositionalChunk


class ReferenceMatcher:
    """``inline``: look chunks up in the caller's thread (an encoder without workers
    gains nothing from a thread of its own, and would pay for starting it)."""

    def __init__(self, window: int, policy: ChunkPolicy, source: Source, *, inline: bool = False) -> None:
        self._matcher = LongRangeMatcher(window, source)
        self._policy = policy
        self._thread = None if inline else ThreadPoolExecutor(1, thread_name_prefix="sigmalang-ref")
        self._scratch = bytearray()  # chunks read by position, one at a time

    def submit(
        self, raw: Buffer | PositionalChunk, position: int, detection: Detection | None = None
    ) -> Future[CopyTable | None]:
        """Look up the chunk at raw offset ``position`` (after every chunk submitted before
        it), sampled as the policy chooses for its ``detection``: its copies worth storing, or None."""
        density = self._policy.match_density(detection)
        if self._thread is not None:
            return self._thread.submit(self._match, raw, position, density)
        done: Future[CopyTable | None] = Future()
        done.set_result(self._match(raw, position, density))
        return done

    def _match(self, raw: Buffer | PositionalChunk, position: int, density: Density) -> CopyTable | None:
        if isinstance(raw, PositionalChunk):
            if len(self._scratch) < len(raw):
                self._scratch = bytearray(len(raw))
            raw = raw.read_into(memoryview(self._scratch))
        # Copies may read any earlier byte within the window, in the chunk's own segment
        # too: a long repeat the copy table describes in a few bytes leaves zstd less to do.
        return self._policy.worth_copying(self._matcher.copies(raw, position, position, density), len(raw))

    def close(self) -> None:
        """Stop the thread and free the anchor table and ring now, not when a
        garbage collection finds the encoder's reference cycles."""
        if self._thread is not None:
            self._thread.shutdown(wait=True, cancel_futures=True)
        self._matcher.close()
        self._scratch = bytearray()
