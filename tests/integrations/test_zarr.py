"""The Zarr format 3 codec and the numcodecs codec in Zarr format 2 arrays, with the real zarr."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

zarr = pytest.importorskip("zarr")
from zarr.codecs import ShardingCodec  # noqa: E402
from zarr.registry import get_codec_class  # noqa: E402

import sigmalang  # noqa: E402
from sigmalang.numcodecs import Sigmalang  # noqa: E402
from sigmalang.zarr import NAME, SigmalangCodec  # noqa: E402

_rng = np.random.default_rng(5)
INTS = np.cumsum(_rng.integers(-5, 6, size=(300, 400)), axis=1).astype("i4")
FLOATS = np.sin(np.linspace(0, 60, 120_000)).astype("f8").reshape(300, 400) + _rng.normal(0, 1e-3, (300, 400))


def test_to_dict_from_dict_round_trip() -> None:
    codec = SigmalangCodec(level=7)
    spec = codec.to_dict()
    assert spec == {"name": NAME, "configuration": {"level": 7}}
    assert SigmalangCodec.from_dict(json.loads(json.dumps(spec))) == codec
    assert SigmalangCodec.from_dict({"name": NAME}) == SigmalangCodec()  # configuration is optional


def test_from_dict_refuses_another_name_and_bad_levels() -> None:
    with pytest.raises(ValueError):
        SigmalangCodec.from_dict({"name": "zstd", "configuration": {"level": 3}})
    with pytest.raises(ValueError, match="level"):
        SigmalangCodec(level=99)
    with pytest.raises(TypeError):
        SigmalangCodec(level="3")  # type: ignore[arg-type]


def test_entry_point_names_the_codec() -> None:
    assert get_codec_class(NAME) is SigmalangCodec


@pytest.mark.parametrize("data", [INTS, FLOATS], ids=["int32", "float64"])
def test_array_round_trip_on_disk_and_metadata(tmp_path: Path, data: np.ndarray) -> None:
    store = tmp_path / "a.zarr"
    array = zarr.create_array(store=store, shape=data.shape, chunks=(100, 100), dtype=data.dtype,
                              compressors=[SigmalangCodec(level=3)])
    array[:] = data
    metadata = json.loads((store / "zarr.json").read_text())
    assert {"name": NAME, "configuration": {"level": 3}} in metadata["codecs"]
    chunk = (store / "c" / "1" / "2").read_bytes()
    assert sigmalang.decompress(chunk) == np.ascontiguousarray(data[100:200, 200:300]).tobytes()
    np.testing.assert_array_equal(zarr.open_array(store, mode="r")[:], data)


def test_array_written_in_one_process_reads_in_another(tmp_path: Path) -> None:
    """A fresh interpreter finds the codec by its name through the entry point, with no import."""
    store = tmp_path / "b.zarr"
    zarr.create_array(store=store, shape=INTS.shape, chunks=(150, 200), dtype=INTS.dtype,
                      compressors=[SigmalangCodec(level=1)])[:] = INTS
    code = f"import zarr, sys; a = zarr.open_array({str(store)!r}, mode='r'); sys.stdout.write(str(int(a[:].sum())))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert int(result.stdout) == int(INTS.sum())


def test_partial_writes_and_reads_in_memory() -> None:
    array = zarr.create_array(store={}, shape=INTS.shape, chunks=(64, 64), dtype=INTS.dtype,
                              compressors=[SigmalangCodec()], fill_value=0)
    array[10:70, 5:300] = INTS[10:70, 5:300]
    expected = np.zeros_like(INTS)
    expected[10:70, 5:300] = INTS[10:70, 5:300]
    np.testing.assert_array_equal(array[:], expected)
    np.testing.assert_array_equal(array[33:34, 100:200], expected[33:34, 100:200])


def test_inside_a_sharding_codec() -> None:
    array = zarr.create_array(store={}, shape=FLOATS.shape, chunks=(100, 200), shards=(300, 400),
                              dtype=FLOATS.dtype, compressors=[SigmalangCodec(level=3)])
    array[:] = FLOATS
    codecs = array.metadata.codecs
    assert isinstance(codecs[0], ShardingCodec) and SigmalangCodec(level=3) in codecs[0].codecs
    np.testing.assert_array_equal(array[:], FLOATS)


def test_numcodecs_codec_in_a_zarr_format_2_array(tmp_path: Path) -> None:
    store = tmp_path / "v2.zarr"
    array = zarr.create_array(store=store, shape=FLOATS.shape, chunks=(100, 100), dtype=FLOATS.dtype,
                              zarr_format=2, compressors=Sigmalang(level=5))
    array[:] = FLOATS
    assert json.loads((store / ".zarray").read_text())["compressor"] == {"id": "sigmalang", "level": 5}
    np.testing.assert_array_equal(zarr.open_array(store, mode="r")[:], FLOATS)


def test_damaged_chunk_is_reported(tmp_path: Path) -> None:
    store = tmp_path / "bad.zarr"
    zarr.create_array(store=store, shape=INTS.shape, chunks=(100, 100), dtype=INTS.dtype,
                      compressors=[SigmalangCodec()])[:] = INTS
    chunk = store / "c" / "0" / "0"
    blob = bytearray(chunk.read_bytes())
    blob[len(blob) // 2] ^= 0x10
    chunk.write_bytes(bytes(blob))
    with pytest.raises(sigmalang.FormatError):
        zarr.open_array(store, mode="r")[:100, :100]
