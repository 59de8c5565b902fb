"""Regenerate the test vectors: ``python tests/vectors/make_vectors.py``.

Run it only when format v1 itself changes; the committed .sgl files are what
other decoders and later versions must keep reading.
"""

from __future__ import annotations

import hashlib
import json
import random
from pathlib import Path

import sigmalang
from sigmalang import corpus

HERE = Path(__file__).parent


def originals() -> dict[str, bytes]:
    rng = random.Random(20261125)
    text = b"".join(b"line %d: the quick brown fox jumps over the lazy dog\n" % i for i in range(3000))
    noise = bytes(rng.getrandbits(8) for _ in range(5000))
    return {
        "empty": b"",
        "one-byte": b"\x00",
        "text-multichunk": text,
        "incompressible-raw": noise,
        "mixed-raw-and-pattern": text[:20000] + noise + text[:20000],
    }


def main() -> None:
    manifest = []
    for name, data in originals().items():
        (HERE / f"{name}.bin").write_bytes(data)
        blob = sigmalang.compress(data, chunk_size=16384, threads=1)
        (HERE / f"{name}.sgl").write_bytes(blob)
        manifest.append({"name": name, "original": f"{name}.bin", "compressed": f"{name}.sgl", "sha256": hashlib.sha256(data).hexdigest()})
    # Two streams, concatenated: decode to the join of their contents.
    # REFERENCE chunks: edited copies of the text, segments of two chunks, so
    # later copies reach back beyond their segment.
    text = corpus.log_text(40000)
    versioned = text + text[:10000] + b"an edit" + text[10000:] + text[:30000] + text[30007:]
    (HERE / "versioned-references.bin").write_bytes(versioned)
    encoder = sigmalang.StreamingEncoder(threads=1, chunk_size=16384, segment_size=32768, reference_window=1 << 20)
    (HERE / "versioned-references.sgl").write_bytes(encoder.compress(versioned))
    manifest.append({"name": "versioned-references", "original": "versioned-references.bin", "compressed": "versioned-references.sgl", "sha256": hashlib.sha256(versioned).hexdigest()})
    # PRIMED segments: NDJSON in segments of two chunks, each primed with the previous one's head.
    records = corpus.ndjson(160000)
    (HERE / "ndjson-primed.bin").write_bytes(records)
    encoder = sigmalang.StreamingEncoder(threads=1, chunk_size=16384, segment_size=32768, reference_window=1 << 20)
    (HERE / "ndjson-primed.sgl").write_bytes(encoder.compress(records))
    manifest.append({"name": "ndjson-primed", "original": "ndjson-primed.bin", "compressed": "ndjson-primed.sgl", "sha256": hashlib.sha256(records).hexdigest()})
    a, b = originals()["one-byte"], originals()["text-multichunk"]
    (HERE / "concatenated.bin").write_bytes(a + b)
    (HERE / "concatenated.sgl").write_bytes(sigmalang.compress(a, chunk_size=16384) + sigmalang.compress(b, chunk_size=16384))
    manifest.append({"name": "concatenated", "original": "concatenated.bin", "compressed": "concatenated.sgl", "sha256": hashlib.sha256(a + b).hexdigest()})
    # Invalid inputs with the error a decoder must raise.
    good = (HERE / "text-multichunk.sgl").read_bytes()
    bad = bytearray(good)
    bad[len(bad) // 2] ^= 0x10
    (HERE / "bad-flipped-byte.sgl").write_bytes(bytes(bad))
    (HERE / "bad-truncated.sgl").write_bytes(good[: len(good) - 10])
    manifest.append({"name": "bad-flipped-byte", "compressed": "bad-flipped-byte.sgl", "error": "ChecksumError"})
    manifest.append({"name": "bad-truncated", "compressed": "bad-truncated.sgl", "error": "TruncatedError"})
    (HERE / "vectors.json").write_text(json.dumps(manifest, indent=2) + "\n")


if __name__ == "__main__":
    main()
