"""KindDetector on labelled examples of every class, real files included."""

import gzip
import json
import os
import struct
import sys
import zlib
from pathlib import Path

import numpy as np
import pytest

from sigmalang import corpus
from sigmalang.codecs.detect import DataKind, KindDetector

DETECT = KindDetector()
MIB = 1 << 20


def _png(width: int = 256, height: int = 256) -> bytes:
    """A real PNG file (a gradient with noise), written with zlib as the format specifies."""
    rng = np.random.default_rng(0)
    pixels = (np.add.outer(np.arange(height), np.arange(width)) + rng.integers(0, 40, (height, width))).astype(np.uint8)
    raw = b"".join(b"\x00" + row.tobytes() for row in pixels)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")


def _elf() -> bytes:
    for candidate in (os.path.realpath(sys.executable), "/bin/ls", "/bin/sh"):
        data = Path(candidate).read_bytes()
        if data[:4] == b"\x7fELF" and len(data) > 50_000:
            return data[: 2 * MIB]
    pytest.skip("no ELF executable found")


def _python_sources() -> bytes:
    folder = Path(os.__file__).parent
    return b"".join(p.read_bytes() for p in sorted(folder.glob("*.py"))[:40])[:MIB]


def _real_json() -> bytes:
    records = [{"name": name, "doc": (getattr(os, name).__doc__ or "")[:80], "index": i} for i, name in enumerate(dir(os))]
    return "\n".join(json.dumps(r) for r in records).encode()


CASES = {
    "log text": (corpus.log_text(MIB), DataKind.TEXT, None),
    "python sources": (_python_sources(), DataKind.TEXT, None),
    "utf-8 prose": (
        "\n".join(
            " ".join(np.random.default_rng(i).choice(["Grüße", "Köln", "naïve", "café", "日本語", "テキスト", "über", "and", "the"], 9))
            for i in range(8000)
        ).encode(),
        DataKind.TEXT,
        "utf-8",
    ),
    "ndjson": (corpus.ndjson(MIB), DataKind.STRUCTURED, "ndjson"),
    "real json lines": (_real_json(), DataKind.STRUCTURED, None),
    "pretty json": (json.dumps([{"k": i, "v": [i, i + 1]} for i in range(5000)], indent=2).encode(), DataKind.STRUCTURED, "json"),
    "csv": (corpus.csv_table(MIB), DataKind.STRUCTURED, "csv"),
    "tsv": (b"".join(b"%d\tname%d\t%.3f\n" % (i, i, i / 7) for i in range(30000)), DataKind.STRUCTURED, "tsv"),
    "xml": (b"".join(b'  <item id="%d"><name>n%d</name></item>\n' % (i, i) for i in range(20000)), DataKind.STRUCTURED, "xml"),
    "int32 counters": (corpus.int_counters(MIB), DataKind.NUMERIC, "int32"),
    "int64 counters": (np.cumsum(np.arange(MIB // 8) % 50).astype("<i8").tobytes(), DataKind.NUMERIC, "int64"),
    "int16 signal": ((np.sin(np.arange(MIB // 2) / 40) * 3000).astype("<i2").tobytes(), DataKind.NUMERIC, "int16"),
    "float64 series": (corpus.float_series(MIB), DataKind.NUMERIC, "float64"),
    "float32 noise": (np.random.default_rng(1).normal(0, 1, MIB // 4).astype("<f4").tobytes(), DataKind.NUMERIC, "float32"),
    "elf executable": (None, DataKind.BINARY, None),
    "random": (corpus.random_bytes(MIB), DataKind.INCOMPRESSIBLE, None),
    "gzip file": (gzip.compress(corpus.log_text(MIB)), DataKind.INCOMPRESSIBLE, "gzip"),
    "png file": (None, DataKind.INCOMPRESSIBLE, "png"),
    "zeros": (bytes(MIB), DataKind.REPETITIVE, None),
    "repeated record": (b"GET /index.html 200\n" * 50000, DataKind.REPETITIVE, None),
}


@pytest.mark.parametrize("name", list(CASES))
def test_detector_labels_each_class(name):
    data, kind, subtype = CASES[name]
    if name == "elf executable":
        data = _elf()
    elif name == "png file":
        data = _png()
    detection = DETECT.detect(data)
    assert detection.kind is kind, (name, detection)
    if subtype is not None:
        assert detection.subtype == subtype, (name, detection.subtype)
    assert 0.0 <= detection.confidence <= 1.0


def test_numeric_detection_reports_element_width():
    detection = DETECT.detect(corpus.int_counters(MIB))
    assert detection.width == 4
    assert detection.features.numeric_width == 4


def test_features_expose_what_the_decision_used():
    features = DETECT.detect(corpus.random_bytes(MIB)).features
    assert features.entropy > 7.9
    assert features.sample_size == DETECT.sample_size
    text = DETECT.detect(corpus.log_text(MIB)).features
    assert text.text_share > 0.99 and text.lines > 100 and text.utf8_valid


def test_small_and_empty_inputs_are_classified_without_error():
    assert DETECT.detect(b"").kind is DataKind.REPETITIVE
    assert DETECT.detect(b"hello world\n").kind is DataKind.TEXT
    assert DETECT.detect(bytes(range(7))).kind in set(DataKind)


def test_sample_is_bounded_and_spread_over_the_chunk():
    data = bytes(MIB)
    assert DETECT.sample(data).size <= DETECT.sample_size
    marked = bytearray(4 * MIB)
    marked[-8:] = b"\xff" * 8  # the last slice must reach the end
    assert DETECT.sample(marked)[-8:].tolist() == [255] * 8


def test_detector_rejects_a_useless_sample_size():
    with pytest.raises(ValueError, match="sample_size"):
        KindDetector(sample_size=10)


def test_executables_are_binary_by_their_magic_number():
    detection = DETECT.detect(b"\x7fELF\x02\x01\x01" + np.arange(100_000, dtype="<i8").tobytes())
    assert detection.kind is DataKind.BINARY
    assert detection.subtype == "elf"


def test_a_float64_table_whose_values_repeat_is_still_numbers():
    # Few distinct values (prices to the cent, codes, levels) in rows of a few columns:
    # no column structure strong enough for the width test, but every word is a float64.
    rng = np.random.default_rng(3)
    table = np.stack([rng.choice(np.round(rng.random(40) * 100, 2), 60000), rng.choice([1.0, 2.0, 3.5], 60000),
                      np.round(rng.normal(50, 10, 60000), 1)], axis=1)
    detection = DETECT.detect(table.tobytes())
    assert (detection.kind, detection.subtype, detection.width) == (DataKind.NUMERIC, "float64", 8)
    assert detection.features.float64_share > 0.99 and detection.notes == ("float64 by magnitude",)


@pytest.mark.parametrize("kind", ["text", "json", "csv", "int", "binary", "random"])
def test_only_floats_read_as_float64_by_magnitude(kind):
    assert DETECT.detect(corpus.KINDS[kind](MIB, 3)).features.float64_share < 0.9
