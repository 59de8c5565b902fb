"""threads=0: let sigmalang.parallel measure the encoder on the first chunks and
choose how many worker threads to use (serial when threads do not pay)."""

from __future__ import annotations

from ..buffers import Buffer
from ..codecs.policy import ChunkPolicy
from ..parallel import StreamingPlan, optimize_streaming
from ..settings import EncoderSettings, available_cores

#: Chunks measured before choosing (each is encoded once more for the measurement).
SAMPLE_CHUNKS = 2
#: Share of the encoder's CPU work done without the GIL (zstd, xxhash, numpy's large
#: operations and the native matcher release it; Python only moves chunks between
#: them). The planner's GIL probe needs about 15 ms of work to read it, more than
#: two chunks of fast data (NDJSON, compressed files) take, and it then counted the
#: share as unknown, so threads=0 planned serial runs for them and, whenever the
#: two chunks took under 15 ms, for any data. Wherever the sample is long enough, the
#: probe reads 1.0 (to its 0.1 step) for text, CSV, binaries, numbers and mixed data.
ENCODER_GIL_FREE = 0.95


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
        gil_free=ENCODER_GIL_FREE,
    )
    plan.release()  # the encoder encodes the sample chunks again: nothing to keep
    threads = plan.n_jobs if plan.backend == "threads" else 1
    return max(1, threads), plan
