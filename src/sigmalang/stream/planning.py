"""threads=0: let sigmalang.parallel measure the encoder on the first chunks and
choose how many worker threads to use (serial when threads do not pay)."""

from __future__ import annotations

from ..buffers import Buffer
from ..codecs.policy import ChunkPolicy
from ..parallel import StreamingPlan, optimize_streaming
from ..settings import EncoderSettings, available_cores

#: Chunks measured before choosing (each is encoded once more for the measurement).
SAMPLE_CHUNKS = 2


def plan_threads(
    sample: list[Buffer], settings: EncoderSettings, chunk_count: int | None = None
) -> tuple[int, StreamingPlan]:
    """Worker threads for the encoder, from measuring it on ``sample`` chunks
    (``chunk_count``: the input's chunks, when its size is known)."""
    plan = optimize_streaming(
        ChunkPolicy(settings).encode,
        iter(sample),
        sample_size=len(sample),
        max_workers=available_cores(),
        backends=("serial", "threads"),
        expected_items=chunk_count,
    )
    plan.release()  # the encoder encodes the sample chunks again: nothing to keep
    threads = plan.n_jobs if plan.backend == "threads" else 1
    return max(1, threads), plan
