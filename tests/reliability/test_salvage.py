"""``sigmalang salvage``: every intact chunk of a damaged or truncated file comes back,
at its offset, and what is missing is reported."""

import io
import subprocess
import sys

import sigmalang
from sigmalang.codecs.reference import split
from sigmalang.format.constants import CHUNK_PRIMED
from sigmalang.format.inspect import chunk_glyphs
from sigmalang.salvage import salvage

from fuzzing.layout import stream_bounds
from fuzzing.seeds import every_feature

SEED = every_feature()


def _salvage(blob: bytes, tmp_path):
    path = tmp_path / "damaged.sgl"
    path.write_bytes(blob)
    out = io.BytesIO()
    with open(path, "rb") as src:
        report = salvage(src, out)
    return out.getvalue(), report


def _check_recovered(out: bytes, report) -> None:
    """Bytes outside the reported gaps equal the original at the same offset (while every
    gap before them has a known length, offsets are the original's)."""
    gaps = [(m.output_offset, m.output_offset + (m.length or 0)) for m in report.missing]
    unknown = min((m.output_offset for m in report.missing if m.length is None), default=len(out))
    pos = 0
    for start, end in sorted(gaps) + [(len(out), len(out))]:
        if pos < min(start, unknown):
            assert out[pos : min(start, unknown)] == SEED.original[pos : min(start, unknown)]
        pos = max(pos, end)


def test_an_intact_file_comes_back_whole(tmp_path):
    out, report = _salvage(SEED.blob, tmp_path)
    assert out == SEED.original and report.complete
    assert report.chunks_recovered == len(list(chunk_glyphs(SEED.blob)))


def test_truncated_at_many_offsets(tmp_path):
    ends = [sum(len(raw) for _, raw in SEED.streams[: i + 1]) for i in range(len(SEED.streams))]
    bounds = [end for _, end in stream_bounds(SEED.blob)]
    for cut in range(1, len(SEED.blob), 53):
        out, report = _salvage(SEED.blob[:cut], tmp_path)
        assert SEED.original.startswith(out), cut
        whole = max([e for e, b in zip(ends, bounds) if b <= cut], default=0)
        assert len(out) >= whole, cut  # every complete stream before the cut
        assert report.complete == (cut in bounds)


def test_damaged_at_many_offsets(tmp_path):
    for at in range(7, len(SEED.blob), 41):
        corrupt = bytearray(SEED.blob)
        corrupt[at] ^= 0x24
        out, report = _salvage(bytes(corrupt), tmp_path)
        _check_recovered(out, report)
        assert not report.complete or out == SEED.original
        if all(m.length is not None for m in report.missing):
            assert len(out) == len(SEED.original), at
        assert report.bytes_recovered >= len(SEED.original) // 3, at  # one flip loses a few chunks at most


def _payload_byte(glyph) -> int:
    return glyph.offset + 30  # inside its checksums or data: the glyph fails its checks


def test_a_shared_frame_or_primed_segment_whose_earlier_chunk_was_lost(tmp_path):
    chunks = list(chunk_glyphs(SEED.blob))
    first = chunks[0]  # starts the first segment of the primed NDJSON stream
    corrupt = bytearray(SEED.blob)
    corrupt[_payload_byte(first)] ^= 0xFF
    out, report = _salvage(bytes(corrupt), tmp_path)
    reasons = [m.reason for m in report.missing]
    assert any("segment frame whose earlier chunk was lost" in r for r in reasons)
    primed = [c for c in chunks if c.flags & CHUNK_PRIMED]
    assert any(m.input_offset == primed[0].offset and "lost" in m.reason for m in report.missing)
    _check_recovered(out, report)
    assert len(out) == len(SEED.original)


def test_a_reference_copy_whose_source_was_lost(tmp_path):
    refs_start = stream_bounds(SEED.blob)[2][0]
    chunks = [c for c in chunk_glyphs(SEED.blob) if c.offset > refs_start]
    starts = [sum(c.raw_length for c in chunks[:i]) for i in range(len(chunks))]
    k = next(i for i, c in enumerate(chunks) if c.strategy == sigmalang.Strategy.REFERENCE)
    reference = chunks[k]
    copy = split(reference.params, reference.data, reference.raw_length).copies[0]
    source = starts[k] + copy.start - copy.distance
    read = max(i for i, start in enumerate(starts) if start <= source)
    corrupt = bytearray(SEED.blob)
    corrupt[_payload_byte(chunks[read])] ^= 0xFF  # the text the first copy repeats
    out, report = _salvage(bytes(corrupt), tmp_path)
    lost = {m.input_offset: m for m in report.missing}
    assert "output it reads was lost" in lost[reference.offset].reason
    assert lost[reference.offset].length == reference.raw_length
    _check_recovered(out, report)


def _cli(*args):
    return subprocess.run([sys.executable, "-m", "sigmalang.cli.main", "salvage", *args], capture_output=True, text=True)


def test_cli_writes_atomically_and_never_over_an_existing_file(tmp_path):
    damaged = tmp_path / "d.sgl"
    damaged.write_bytes(SEED.blob[: len(SEED.blob) // 2])
    result = _cli(str(damaged))
    assert result.returncode == 1 and "missing" in result.stderr
    salvaged = (tmp_path / "d.salvaged").read_bytes()
    assert SEED.original.startswith(salvaged) and salvaged
    (tmp_path / "d.salvaged").write_bytes(b"mine")
    result = _cli(str(damaged))
    assert result.returncode == 1 and "already exists" in result.stderr
    assert (tmp_path / "d.salvaged").read_bytes() == b"mine"
    assert _cli(str(damaged), "-f").returncode == 1 and (tmp_path / "d.salvaged").read_bytes() == salvaged
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d.salvaged", "d.sgl"]  # no temporary file left
    whole = tmp_path / "w.sgl"
    whole.write_bytes(SEED.blob)
    assert _cli(str(whole), "-o", str(tmp_path / "w.out")).returncode == 0
    assert (tmp_path / "w.out").read_bytes() == SEED.original
