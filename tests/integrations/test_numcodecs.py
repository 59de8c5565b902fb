"""The numcodecs codec, held to numcodecs' own checks (``numcodecs.tests.common``)."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("numcodecs")
import numcodecs  # noqa: E402
from numcodecs.tests.common import (  # noqa: E402
    check_backwards_compatibility,
    check_config,
    check_encode_decode,
    check_err_decode_object_buffer,
    check_err_encode_object_buffer,
)

import sigmalang  # noqa: E402
from sigmalang.numcodecs import Sigmalang  # noqa: E402

CODECS = [Sigmalang(), Sigmalang(level=1), Sigmalang(level=9)]

_rng = np.random.default_rng(17)
# As numcodecs tests its compressors: integer, float, bool, bytes; 1-3 dimensions; C and F order.
ARRAYS = [
    np.arange(1000, dtype="i4"),
    np.linspace(1000, 1001, 1000, dtype="f8"),
    _rng.normal(loc=1000, scale=1, size=(100, 10)),
    _rng.integers(0, 2, size=1000, dtype=bool).reshape(100, 10, order="F"),
    _rng.choice([b"a", b"bb", b"ccc"], size=1000).reshape(10, 10, 10),
    _rng.integers(0, 2**60, size=1000, dtype="u8").view("M8[ns]"),
    np.cumsum(_rng.integers(-3, 4, size=200_000)).astype("i8"),  # several chunks, DELTA territory
    np.zeros(0, dtype="f4"),
]


def test_encode_decode() -> None:
    for arr, codec in itertools.product(ARRAYS, CODECS):
        check_encode_decode(arr, codec)


def test_encoding_is_a_sigmalang_stream() -> None:
    arr = ARRAYS[6]
    encoded = Sigmalang(level=3).encode(arr)
    assert encoded == sigmalang.compress(arr.tobytes(), 3)
    assert len(encoded) < arr.nbytes // 4


def test_config_and_entry_point() -> None:
    check_config(Sigmalang(level=7))  # get_config -> JSON -> numcodecs.get_codec (the entry point)
    codec = numcodecs.get_codec({"id": "sigmalang", "level": 4})
    assert type(codec) is Sigmalang and codec.level == 4
    assert Sigmalang.from_config({"level": 4}) == codec


def test_repr_is_the_constructor_call() -> None:
    assert repr(Sigmalang(level=3)) == "Sigmalang(level=3)"
    assert eval(repr(Sigmalang(level=12)), {"Sigmalang": Sigmalang}) == Sigmalang(level=12)


def test_equality() -> None:
    assert Sigmalang() == Sigmalang(level=sigmalang.DEFAULT_LEVEL)
    assert Sigmalang(1) != Sigmalang(9)
    assert Sigmalang() != "sigmalang"


def test_bad_level_is_refused_at_construction() -> None:
    with pytest.raises(ValueError, match="level"):
        Sigmalang(level=0)


def test_backwards_compatibility(monkeypatch: pytest.MonkeyPatch) -> None:
    """Streams encoded by an earlier version (tests/integrations/fixture) still decode."""
    monkeypatch.chdir(Path(__file__).parent)
    check_backwards_compatibility(Sigmalang.codec_id, ARRAYS[:6], CODECS[:2])


def test_object_buffers_are_refused() -> None:
    check_err_encode_object_buffer(Sigmalang())
    check_err_decode_object_buffer(Sigmalang())


def test_damaged_buffer_raises_format_error() -> None:
    encoded = bytearray(Sigmalang().encode(ARRAYS[6]))
    encoded[len(encoded) // 2] ^= 1
    with pytest.raises(sigmalang.FormatError):
        Sigmalang().decode(bytes(encoded))
