"""ChunkPolicy: the per-chunk decisions that are the policy's own."""

import random

import sigmalang
from sigmalang import corpus
from sigmalang.codecs import longrange
from sigmalang.codecs.detect import DataKind
from sigmalang.codecs.policy import ChunkPolicy
from sigmalang.format.inspect import chunk_glyphs
from sigmalang.settings import EncoderSettings

POLICY = ChunkPolicy(EncoderSettings())


def elf_like(size: int, seed: int) -> bytes:
    """Machine-code-like bytes: an ELF header, then short instruction-like records and zeros."""
    rng = random.Random(seed)
    out = bytearray(b"\x7fELF\x02\x01\x01" + bytes(9))
    ops = [rng.randbytes(rng.randrange(2, 9)) for _ in range(400)]
    while len(out) < size:
        out += rng.choice(ops) + (bytes(rng.randrange(0, 16)) if rng.random() < 0.2 else b"")
    return bytes(out[:size])


def test_binaries_are_matched_densely_and_the_rest_sparsely():
    binary = POLICY.detect(elf_like(1 << 18, 1))
    text = POLICY.detect(corpus.log_text(1 << 18))
    assert binary is not None and binary.kind is DataKind.BINARY
    assert text is not None and text.kind is not DataKind.BINARY
    assert POLICY.match_density(binary) == longrange.DENSE
    assert POLICY.match_density(text) == longrange.SPARSE
    assert POLICY.match_density(None) == longrange.SPARSE


def test_short_repeats_far_apart_in_binaries_become_copies_and_round_trip(monkeypatch):
    rng = random.Random(2)
    alphabet = rng.randbytes(48) + bytes(16)  # skewed, as machine code is: binary, not random
    functions = [bytes(rng.choices(alphabet, k=rng.randrange(100, 400))) for _ in range(4000)]
    # The same functions linked anew into four programs, each one segment apart: zstd never sees two.
    data = b"".join(b"".join(rng.sample(functions, 4000)) for _ in range(4))
    encoder = sigmalang.StreamingEncoder(chunk_size=1 << 20, segment_size=1 << 20)
    dense = encoder.compress(data)
    monkeypatch.setattr(ChunkPolicy, "match_density", staticmethod(lambda detection: longrange.SPARSE))
    sparse = encoder.compress(data)
    assert sigmalang.decompress(dense) == data
    assert sum(c.strategy == sigmalang.Strategy.REFERENCE for c in chunk_glyphs(dense)) >= 3
    assert len(dense) < 0.5 * len(sparse)


def test_copies_must_cover_a_share_of_the_chunk_to_make_it_reference():
    from sigmalang.codecs.reference import MIN_COPIED, MIN_COPIED_SHARE, Copy, CopyTable

    chunk = 4 << 20
    few = CopyTable.of([Copy(0, 8192, 1 << 20)])  # above MIN_COPIED, far below the share
    enough = CopyTable.of([Copy(0, int(chunk * MIN_COPIED_SHARE), 1 << 20)])
    assert few.copied >= MIN_COPIED and POLICY.worth_copying(few, chunk) is None
    assert POLICY.worth_copying(enough, chunk) is enough
    assert POLICY.worth_copying(few, 100_000) is few  # small chunks: MIN_COPIED decides
