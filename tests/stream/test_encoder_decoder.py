"""StreamingEncoder / StreamingDecoder objects: stats, files, async, settings."""

import asyncio
import io

import pytest

import sigmalang
from sigmalang.settings import available_cores
from sigmalang.corpus import log_text
from sigmalang import EncoderSettings, Limits, LimitError, StreamingDecoder, StreamingEncoder

TEXT = b"".join(b"record %d status=ok latency=%dms\n" % (i, i % 97) for i in range(40000))


def test_encode_stream_stats_describe_the_work():
    out = io.BytesIO()
    stats = StreamingEncoder(threads=2, chunk_size=100_000).encode_stream(io.BytesIO(TEXT), out)
    assert stats.bytes_in == len(TEXT)
    assert stats.bytes_out == len(out.getvalue())
    assert stats.chunks == -(-len(TEXT) // 100_000)
    assert stats.strategies == {"PATTERN": stats.chunks}
    assert stats.ratio == pytest.approx(len(TEXT) / len(out.getvalue()))
    assert stats.throughput > 0
    assert stats.peak_buffered_bytes > 0
    assert stats.as_dict()["strategies"] == {"PATTERN": stats.chunks}


def test_buffered_input_is_bounded_by_threads_times_segment_size():
    # Segments of 2 chunks: each of the 2 workers holds a segment and one more
    # chunk waits for room, so at most (2 + 1) x 2 chunks + 1 are held at once.
    encoder = StreamingEncoder(threads=2, chunk_size=100_000, segment_size=200_000)
    stats = encoder.encode_stream(io.BytesIO(TEXT), io.BytesIO())
    assert 0 < stats.peak_buffered_bytes <= 7 * 100_000
    assert stats.chunks == -(-len(TEXT) // 100_000)


def test_get_stats_accumulates_until_reset():
    encoder = StreamingEncoder()
    encoder.compress(TEXT)
    encoder.compress(TEXT)
    assert encoder.get_stats().bytes_in == 2 * len(TEXT)
    encoder.reset()
    assert encoder.get_stats().bytes_in == 0


def test_encode_file_and_decode_file(tmp_path):
    src = tmp_path / "in.txt"
    src.write_bytes(TEXT)
    stats = StreamingEncoder(level=5).encode_file(src, tmp_path / "in.txt.sgl")
    assert stats.bytes_in == len(TEXT)
    back = StreamingDecoder(2).decode_file(tmp_path / "in.txt.sgl", tmp_path / "out.txt")
    assert (tmp_path / "out.txt").read_bytes() == TEXT
    assert back.bytes_out == len(TEXT)
    assert back.ratio == pytest.approx(stats.ratio)


def test_encode_file_async_runs_off_the_event_loop(tmp_path):
    src = tmp_path / "in.txt"
    src.write_bytes(TEXT)

    async def main():
        ticks = 0

        async def ticker():
            nonlocal ticks
            while True:
                ticks += 1
                await asyncio.sleep(0)

        task = asyncio.create_task(ticker())
        stats = await StreamingEncoder().encode_file_async(src, tmp_path / "a.sgl")
        task.cancel()
        return stats, ticks

    stats, ticks = asyncio.run(main())
    assert stats.bytes_in == len(TEXT)
    assert ticks > 0
    assert sigmalang.decompress((tmp_path / "a.sgl").read_bytes()) == TEXT


def test_levels_change_the_output_and_higher_is_not_larger():
    logs = log_text(1 << 20)
    fast = sigmalang.compress(logs, 1)
    strong = sigmalang.compress(logs, 19)
    assert fast != strong
    assert len(strong) <= len(fast)


@pytest.mark.parametrize(
    "kwargs, name",
    [(dict(level=0), "level"), (dict(level=20), "level"), (dict(threads=-1), "threads"), (dict(chunk_size=0), "chunk_size"), (dict(max_in_flight=0), "max_in_flight"), (dict(references="all"), "references")],
)
def test_settings_are_validated_with_the_parameter_named(kwargs, name):
    with pytest.raises(ValueError, match=name):
        EncoderSettings(**kwargs)


@pytest.mark.parametrize(
    ("kwargs", "looked_up"),
    [
        ({}, True),
        ({"level": 1}, True),
        ({"references": True}, True),
        ({"references": False}, False),
        ({"reference_window": 1 << 20}, True),
        ({"reference_window": 0}, False),
        ({"adaptive": False}, False),
    ],
)
def test_chunks_are_looked_up_for_copies_unless_turned_off(kwargs, looked_up):
    assert EncoderSettings(**kwargs).uses_references() is looked_up


def test_the_text_only_scope_of_earlier_versions_is_refused_clearly():
    with pytest.raises(ValueError, match="references must be True, False or None"):
        EncoderSettings(references="text")  # type: ignore[arg-type]


def test_decoder_rejects_chunks_above_its_limit_before_decoding():
    blob = sigmalang.compress(TEXT, chunk_size=1 << 20)
    with pytest.raises(LimitError):
        sigmalang.decompress(blob, limits=Limits(max_chunk_size=1 << 19))


def test_decoder_flush_without_input_is_truncated():
    with pytest.raises(sigmalang.TruncatedError):
        list(StreamingDecoder().flush())


def test_decoder_can_be_reused_after_reset():
    decoder = StreamingDecoder(2)
    blob = sigmalang.compress(TEXT)
    assert decoder.decompress(blob) == TEXT
    assert decoder.decompress(blob) == TEXT


def test_unconsumed_feed_output_is_not_lost():
    blob = sigmalang.compress(TEXT, chunk_size=50_000)
    decoder = StreamingDecoder()
    decoder.feed(blob[:100_000])  # iterator dropped without being consumed
    out = b"".join(decoder.feed(blob[100_000:])) + b"".join(decoder.flush())
    assert out == TEXT


def test_decoder_stats_count_bytes_and_chunks():
    blob = sigmalang.compress(TEXT, chunk_size=50_000)
    decoder = StreamingDecoder(2)
    decoder.decompress(blob)
    assert decoder.stats.bytes_in == len(blob)
    assert decoder.stats.bytes_out == len(TEXT)
    assert decoder.stats.chunks == -(-len(TEXT) // 50_000)
    assert decoder.stats.ratio == pytest.approx(len(TEXT) / len(blob))


def test_decompress_returns_bytes_for_every_input_type():
    blob = sigmalang.compress(TEXT)
    for given in (blob, bytearray(blob), memoryview(blob)):
        out = sigmalang.decompress(given, threads=2)
        assert type(out) is bytes and out == TEXT


def test_decompress_of_a_highly_expanding_stream_takes_the_chunked_path():
    from sigmalang.stream.decoder import ALWAYS_TRUSTED, MAX_TRUSTED_EXPANSION

    zeros = bytes(ALWAYS_TRUSTED + (8 << 20))
    blob = sigmalang.compress(zeros)
    assert len(zeros) > ALWAYS_TRUSTED + MAX_TRUSTED_EXPANSION * len(blob)
    assert sigmalang.decompress(blob) == zeros



def test_threads_zero_plans_with_the_parallel_engine_and_keeps_the_output():
    data = log_text(3 << 20)
    planned = StreamingEncoder(threads=0, chunk_size=1 << 20)
    out = io.BytesIO()
    planned.encode_stream(io.BytesIO(data), out, size=len(data))
    plan = planned.last_plan
    assert plan is not None and plan.backend in ("serial", "threads") and plan.n_jobs >= 1
    assert "Measured" in plan.explain()
    assert plan.n_items == 3 and not any("no len()" in w for w in plan.warnings)  # the input size gives the chunk count
    serial = io.BytesIO()
    StreamingEncoder(threads=1, chunk_size=1 << 20).encode_stream(io.BytesIO(data), serial, size=len(data))
    assert out.getvalue() == serial.getvalue()


@pytest.mark.skipif(available_cores() < 2, reason="needs two cores")
def test_threads_zero_runs_fast_data_on_threads():
    """Two chunks of fast data take less CPU than the GIL probe needs; the encoder's
    known GIL-free share must still let the plan use threads (it used to plan serial)."""
    data = b"".join(b'{"id": %d, "kind": "event", "ok": true}\n' % (i % 5000) for i in range(400_000))
    planned = StreamingEncoder(threads=0, chunk_size=1 << 20)
    planned.encode_stream(io.BytesIO(data), io.BytesIO(), size=len(data))
    plan = planned.last_plan
    assert plan is not None and plan.measurements is not None
    assert plan.measurements.item_time * 2 < 0.015  # too short a sample for the probe
    assert plan.backend == "threads" and plan.n_jobs == 2


def test_threads_zero_runs_large_chunks_on_every_core_without_planning():
    data = log_text(9 << 20)  # over 8 MiB: 4 MiB chunks
    encoder = StreamingEncoder(threads=0)
    stats = encoder.encode_stream(io.BytesIO(data), io.BytesIO(), size=len(data))
    assert encoder.last_plan is None
    assert stats.threads == min(available_cores(), 3)


def test_explicit_threads_are_not_planned():
    encoder = StreamingEncoder(threads=2, chunk_size=1 << 20)
    encoder.encode_stream(io.BytesIO(log_text(3 << 20)), io.BytesIO())
    assert encoder.last_plan is None


def test_encode_stream_recycles_chunk_buffers_through_its_pool():
    # Two-chunk segments: at most 6 chunks in flight, so 22 chunks must reuse buffers.
    encoder = StreamingEncoder(threads=2, chunk_size=64 * 1024, segment_size=128 * 1024)
    encoder.encode_stream(io.BytesIO(TEXT), io.BytesIO())
    stats = encoder.last_pool.stats
    assert stats.requests >= len(TEXT) // (64 * 1024)
    assert stats.hit_rate > 0.5  # far fewer buffers allocated than chunks read
    assert stats.in_use == 0
