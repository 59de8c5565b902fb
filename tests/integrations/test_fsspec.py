"""fsspec: ``.sgl`` as a compression of ``fsspec.open``, and fsspec URLs in ``sigmalang.open``."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import fsspec
import pytest

import sigmalang
from sigmalang.corpus import mixed
from sigmalang.urls import is_url, require


@pytest.fixture(scope="module")
def data() -> bytes:
    return mixed(300_000, seed=3)


def python(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)


def test_import_sigmalang_does_not_import_fsspec_and_registers_when_fsspec_comes() -> None:
    result = python(
        "import sys, sigmalang\n"
        "assert 'fsspec' not in sys.modules, 'sigmalang imported fsspec'\n"
        "import fsspec\n"
        "print(fsspec.compression.compr['sgl'].__module__, fsspec.utils.compressions['sgl'])\n"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["sigmalang.fsspec", "sgl"]


def test_registers_at_once_when_fsspec_was_imported_first() -> None:
    result = python("import fsspec, sigmalang\nprint(fsspec.utils.infer_compression('a/b.tar.sgl'))")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "sgl"


def test_registration_survives_a_later_import_of_a_fsspec_submodule_only() -> None:
    result = python("import sigmalang\nfrom fsspec.compression import compr\nprint('sgl' in compr)")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "True"


@pytest.mark.parametrize("name", ["x.sgl", "x.bin.SGL"])
def test_fsspec_open_infer_round_trips_in_memory(memory_dir: str, data: bytes, name: str) -> None:
    url = f"{memory_dir}/{name}"
    with fsspec.open(url, "wb", compression="infer") as f:
        f.write(data[:1000])
        f.write(data[1000:])
    stored = fsspec.filesystem("memory").cat(url)
    assert stored.startswith(b"\xce\xa3LG")
    assert sigmalang.decompress(stored) == data
    with fsspec.open(url, "rb", compression="infer") as f:
        assert f.read() == data


def test_fsspec_open_text_mode_and_named_compression(memory_dir: str) -> None:
    url = f"{memory_dir}/notes"  # no suffix: the compression is named
    lines = [f"line {i} \u03a3\n" for i in range(2000)]
    with fsspec.open(url, "wt", compression="sgl", encoding="utf-8") as f:
        f.writelines(lines)
    with fsspec.open(url, "rt", compression="sgl", encoding="utf-8") as f:
        assert f.readlines() == lines


def test_fsspec_open_infer_on_a_local_directory(tmp_path: Path, data: bytes) -> None:
    target = tmp_path / "local.sgl"
    with fsspec.open(str(target), "wb", compression="infer") as f:
        f.write(data)
    assert sigmalang.decompress(target.read_bytes()) == data
    with fsspec.open(target.as_uri(), "rb", compression="infer") as f:
        assert f.read() == data


def test_fsspec_open_reads_what_sigmalang_compress_wrote(memory_dir: str, data: bytes) -> None:
    fs = fsspec.filesystem("memory")
    url = f"{memory_dir}/c.sgl"
    fs.pipe(url, sigmalang.compress(data) + sigmalang.compress(b"tail"))  # two streams
    with fsspec.open(url, "rb", compression="infer") as f:
        f.seek(len(data) - 5)
        assert f.read() == data[-5:] + b"tail"


def test_sigmalang_open_accepts_urls(memory_dir: str, data: bytes, tmp_path: Path) -> None:
    url = f"{memory_dir}/via-open.sgl"
    with sigmalang.open(url, "wb", level=1) as f:
        f.write(data)
    with sigmalang.open(url, "rb") as f:
        assert f.name == url
        assert f.read() == data
    with sigmalang.open(url, "ab") as f:
        f.write(b"more")
    with sigmalang.open(url, "rt", encoding="latin-1") as text:
        assert text.read().endswith("more")
    local = tmp_path / "u.sgl"
    with sigmalang.open(local.as_uri(), "wb") as f:
        f.write(data)
    assert sigmalang.decompress(local.read_bytes()) == data


def test_sigmalang_open_exclusive_url_refuses_an_existing_file(memory_dir: str) -> None:
    url = f"{memory_dir}/x.sgl"
    with sigmalang.open(url, "xb") as f:
        f.write(b"first")
    with pytest.raises(FileExistsError):
        sigmalang.open(url, "xb")
    with sigmalang.open(url) as f:
        assert f.read() == b"first"


def test_bad_data_through_fsspec_names_the_offset(memory_dir: str, data: bytes) -> None:
    blob = bytearray(sigmalang.compress(data))
    blob[len(blob) // 2] ^= 0x40
    url = f"{memory_dir}/bad.sgl"
    fsspec.filesystem("memory").pipe(url, bytes(blob))
    with pytest.raises(sigmalang.FormatError) as caught, fsspec.open(url, "rb", compression="infer") as f:
        f.read()
    assert caught.value.offset is not None


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("memory://a/b.sgl", True),
        ("s3://bucket/key", True),
        ("file:///tmp/x", True),
        ("simplecache::s3://bucket/key", True),
        ("C://windows/x", False),
        ("plain/path.sgl", False),
        ("./memory://x", False),
        (b"memory://x", False),
    ],
)
def test_is_url(name: object, expected: bool) -> None:
    assert is_url(name) is expected


def test_url_without_fsspec_says_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "fsspec", None)  # as if it were not installed
    with pytest.raises(ImportError, match=r"sigmalang\[fsspec\]"):
        require()
    with pytest.raises(ImportError, match="fsspec"):
        sigmalang.open("memory://x.sgl", "rb")
