"""The committed format-v1 vectors keep decoding, and bad ones keep failing the same way."""

import hashlib
import json
from pathlib import Path

import pytest

import sigmalang

VECTORS = Path(__file__).parent / "vectors"
MANIFEST = json.loads((VECTORS / "vectors.json").read_text())
GOOD = [v for v in MANIFEST if "error" not in v]
BAD = [v for v in MANIFEST if "error" in v]


@pytest.mark.parametrize("vector", GOOD, ids=[v["name"] for v in GOOD])
def test_vector_decodes_to_its_original(vector):
    out = sigmalang.decompress((VECTORS / vector["compressed"]).read_bytes())
    assert out == (VECTORS / vector["original"]).read_bytes()
    assert hashlib.sha256(out).hexdigest() == vector["sha256"]


@pytest.mark.parametrize("vector", GOOD, ids=[v["name"] for v in GOOD])
def test_vector_reads_through_the_file_api(vector):
    with sigmalang.open(VECTORS / vector["compressed"], "rb") as f:
        assert f.read() == (VECTORS / vector["original"]).read_bytes()


@pytest.mark.parametrize("vector", BAD, ids=[v["name"] for v in BAD])
def test_bad_vector_raises_its_error(vector):
    with pytest.raises(getattr(sigmalang, vector["error"])):
        sigmalang.decompress((VECTORS / vector["compressed"]).read_bytes())


def test_raw_vectors_are_reproduced_exactly_by_the_encoder():
    # RAW output does not depend on the zstd library version, so it must match byte for byte.
    # The vectors were written before REFERENCE copies were on by default, which changed
    # only the window the header declares.
    for name in ("empty", "one-byte", "incompressible-raw"):
        original = (VECTORS / f"{name}.bin").read_bytes()
        stored = (VECTORS / f"{name}.sgl").read_bytes()
        assert sigmalang.compress(original, chunk_size=16384, references=False) == stored
        assert sigmalang.compress(original, chunk_size=16384)[5] == 27  # a 128 MiB window by default
