"""Decompression bombs: streams whose declared sizes and real expansion disagree are
refused at the declared limit, before memory grows.

The decoding runs in a child process whose address space is capped at its
size after start-up plus 384 MiB, while each bomb would expand to 1 GiB: a
decoder that let it expand (or allocated what a forged header claims) would
fail there with MemoryError, not with the FormatError every case must raise.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

CHILD = textwrap.dedent(
    """
    import io, json, resource, sys
    import xxhash, zstandard
    import sigmalang
    from sigmalang import StreamingDecoder
    from sigmalang.format.constants import CHUNK_SHARED, NO_INDEX, stream_header
    from sigmalang.format.glyphs import IndexBuilder, chunk_fields, chunk_glyph_head, encode_end_glyph

    GIB = 1 << 30

    def zeros_frame(size, content_size=False):
        out = zstandard.ZstdCompressor(level=3, write_content_size=content_size).compressobj(size=size if content_size else -1)
        parts = [out.compress(bytes(1 << 20)) for _ in range(size >> 20)]
        return b"".join(parts) + out.flush()

    def stream(flags, strategy, params, raw_length, data, index_lengths=None, end_total=None):
        # One chunk whose checksums all hold for the bytes it claims (zeros), so that
        # decoding reaches the expansion; INDEX and END agree unless told otherwise.
        fields = chunk_fields(flags, strategy, params, raw_length)
        checksum = xxhash.xxh3_64_intdigest(bytes(raw_length)) if raw_length <= 64 << 20 else 0
        chunk = chunk_glyph_head(fields, checksum, xxhash.xxh3_64_intdigest(data), len(data)) + data
        index = IndexBuilder()
        index.add_chunk(6, raw_length if index_lengths is None else index_lengths, False)
        header = stream_header(20 if strategy == 2 else 0)
        digest = xxhash.xxh3_64_intdigest(header + checksum.to_bytes(8, "little") + index.payload())
        body = header + chunk
        index_at = len(body)
        body += index.glyph()
        total = raw_length if end_total is None else end_total
        return body + encode_end_glyph(total, 1, digest, index_at, len(body))

    big = zeros_frame(GIB)
    no_copies = bytes([1, 0])  # a copy table of one byte: no copies, all 1000 bytes are literals
    bombs = {
        "pattern expands past its raw length": stream(0, 1, b"", 1000, big),
        "pattern declares a huge content size": stream(0, 1, b"", 1000, zeros_frame(GIB, content_size=True)),
        "shared frame expands past its raw length": stream(CHUNK_SHARED, 1, b"", 1000, big),
        "delta expands past its raw length": stream(0, 3, bytes([8, 1]), 1000, big),
        "reference literals expand": stream(0, 2, bytes([1]), 1000, no_copies + big),
        "raw length above the limit": stream(0, 1, b"", 2 * GIB, big),
        "index and end claim huge sizes": stream(0, 1, b"", 1000, big, index_lengths=1 << 40, end_total=1 << 40),
        "declares 60 MiB, holds 10 bytes": stream(0, 1, b"", 60 << 20, zeros_frame(0) + b"x" * 10),
    }
    with open("/proc/self/status") as status:
        size = next(int(line.split()[1]) * 1024 for line in status if line.startswith("VmSize:"))
    limit = size + (384 << 20)
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    def push(blob):
        d = StreamingDecoder(2)
        try:
            for i in range(0, len(blob), 4096):
                for _ in d.feed(blob[i : i + 4096]):
                    pass
            for _ in d.flush():
                pass
        finally:
            d.close()

    def seek(blob):
        with sigmalang.open(io.BytesIO(blob)) as f:
            f.seek(500)
            f.read(100)

    results = {}
    for name, blob in bombs.items():
        for path, decode in (("bytes", lambda b: sigmalang.decompress(b, threads=2)), ("push", push), ("seek", seek)):
            try:
                decode(blob)
                results[f"{name} / {path}"] = ["no error", None]
            except BaseException as exc:
                results[f"{name} / {path}"] = [type(exc).__name__, getattr(exc, "offset", None)]
    print(json.dumps(results))
    """
)


def test_bombs_are_refused_before_memory_grows():
    result = subprocess.run([sys.executable, "-c", CHILD], capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    outcomes = json.loads(result.stdout)
    assert len(outcomes) == 24
    for case, (error, offset) in outcomes.items():
        assert error in ("FormatError", "ChecksumError", "LimitError", "TruncatedError"), (case, error)
        assert offset is not None, case
    for path in ("bytes", "push", "seek"):
        assert outcomes[f"raw length above the limit / {path}"][0] == "LimitError"
