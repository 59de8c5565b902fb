"""``sigmalang.open`` and ``SigmalangFile``: gzip-style file objects, seeking through the INDEX."""

from __future__ import annotations

import array
import gzip
import io
import random
from pathlib import Path

import pytest
import xxhash
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import sigmalang
from sigmalang import SigmalangFile
from sigmalang.format.constants import END_STRUCT, NO_INDEX
from sigmalang.format.glyphs import encode_end_glyph
from sigmalang.format.inspect import chunk_glyphs

CHUNK = 1000


def _make_data() -> bytes:
    rnd = random.Random(42)
    noise = bytes(rnd.getrandbits(8) for _ in range(12_345))
    lines = b"".join(b"line %d: %s\n" % (i, b"x" * (i % 37)) for i in range(700))
    return noise + lines + b"no newline at the end"


DATA = _make_data()
BLOB = sigmalang.compress(DATA, chunk_size=CHUNK)


class NonSeekable(io.RawIOBase):
    """A pipe-like input: readable, not seekable."""

    def __init__(self, data: bytes) -> None:
        self._inner = io.BytesIO(data)

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False

    def readinto(self, b: bytearray | memoryview) -> int:  # type: ignore[override]
        return self._inner.readinto(b)


@pytest.fixture
def sgl_path(tmp_path: Path) -> Path:
    path = tmp_path / "data.sgl"
    path.write_bytes(BLOB)
    return path


def test_data_spans_many_chunks() -> None:
    assert len(DATA) // CHUNK >= 30
    assert sigmalang.decompress(BLOB) == DATA


# -- binary modes --------------------------------------------------------------------
def test_write_then_read_binary_file(tmp_path: Path) -> None:
    path = tmp_path / "f.sgl"
    with sigmalang.open(path, "wb", chunk_size=CHUNK) as f:
        assert isinstance(f, SigmalangFile)
        assert f.writable() and not f.readable()
        assert f.seekable()  # forward seeks fill zeros, as in gzip
        assert f.write(DATA) == len(DATA)
        assert f.tell() == len(DATA)
    assert path.read_bytes() == BLOB
    with sigmalang.open(path, "rb") as f:
        assert f.readable() and not f.writable() and f.seekable()
        assert f.read() == DATA
        assert f.read() == b""


def test_short_mode_names_are_binary(tmp_path: Path) -> None:
    path = tmp_path / "f.sgl"
    with sigmalang.open(path, "w") as f:
        f.write(b"abc")
    with sigmalang.open(path, "r") as f:
        assert f.read() == b"abc"
        assert f.mode == "rb"


def test_writing_in_odd_sized_pieces_gives_the_same_bytes_as_compress() -> None:
    out = io.BytesIO()
    with sigmalang.open(out, "wb", chunk_size=CHUNK) as f:
        pos, step = 0, 1
        while pos < len(DATA):
            f.write(memoryview(DATA)[pos : pos + step])
            pos += step
            step = step * 7 % 1499 + 1
    assert out.getvalue() == BLOB


def test_write_accepts_bytearray_memoryview_and_array() -> None:
    out = io.BytesIO()
    numbers = array.array("I", range(100))
    with sigmalang.open(out, "wb") as f:
        assert f.write(bytearray(b"ab")) == 2
        assert f.write(memoryview(b"cd")) == 2
        assert f.write(numbers) == numbers.itemsize * 100
    assert sigmalang.decompress(out.getvalue()) == b"abcd" + numbers.tobytes()


@pytest.mark.parametrize("threads", [1, 2])
def test_write_output_does_not_depend_on_threads(tmp_path: Path, threads: int) -> None:
    path = tmp_path / "t.sgl"
    with sigmalang.open(path, "wb", chunk_size=CHUNK, threads=threads) as f:
        f.write(DATA)
    assert path.read_bytes() == BLOB


def test_fileobj_bytesio_in_and_out_stays_open() -> None:
    out = io.BytesIO()
    f = SigmalangFile(fileobj=out, mode="wb", chunk_size=CHUNK)
    f.write(DATA)
    f.close()
    assert f.closed and not out.closed
    assert out.getvalue() == BLOB
    source = io.BytesIO(out.getvalue())
    with SigmalangFile(fileobj=source) as g:
        assert g.read() == DATA
    assert not source.closed


def test_file_opened_by_path_is_closed_with_the_sigmalang_file(sgl_path: Path) -> None:
    f = sigmalang.open(sgl_path)
    inner = f._fp  # noqa: SLF001 - checking ownership of the underlying file
    f.close()
    assert inner.closed


def test_append_mode_adds_a_second_stream_and_reading_returns_both(tmp_path: Path) -> None:
    path = tmp_path / "a.sgl"
    with sigmalang.open(path, "ab") as f:  # creates the file
        f.write(b"first\n")
    first = path.read_bytes()
    with sigmalang.open(path, "ab") as f:
        f.write(b"second\n")
    blob = path.read_bytes()
    assert blob.startswith(first) and blob.count(first[:4]) == 2  # two headers: two streams
    assert blob[len(first) :] == sigmalang.compress(b"second\n")
    with sigmalang.open(path) as f:
        assert f.read() == b"first\nsecond\n"
        assert f.seek(8) == 8
        assert f.read(3) == b"con"
        assert f.seek(-4, io.SEEK_END) == 9
        assert f.read() == b"ond\n"


def test_exclusive_mode_creates_but_never_overwrites(tmp_path: Path) -> None:
    path = tmp_path / "x.sgl"
    with sigmalang.open(path, "xb") as f:
        f.write(b"new")
    assert sigmalang.decompress(path.read_bytes()) == b"new"
    with pytest.raises(FileExistsError):
        sigmalang.open(path, "xb")
    with pytest.raises(FileExistsError):
        sigmalang.open(path, "xt")
    assert sigmalang.decompress(path.read_bytes()) == b"new"


def test_empty_file_round_trips(tmp_path: Path) -> None:
    path = tmp_path / "e.sgl"
    with sigmalang.open(path, "wb"):
        pass
    assert path.stat().st_size > 0
    with sigmalang.open(path) as f:
        assert f.read() == b""
        assert f.seek(0, io.SEEK_END) == 0
        assert f.readline() == b""
        assert list(f) == []


# -- reading primitives ------------------------------------------------------------------
def test_readinto_fills_buffers_and_returns_zero_at_end(sgl_path: Path) -> None:
    got = bytearray()
    buf = bytearray(777)
    with sigmalang.open(sgl_path) as f:
        while n := f.readinto(buf):
            got += buf[:n]
        assert f.readinto(buf) == 0
    assert got == DATA


def test_readinto_accepts_memoryview_and_typed_array(sgl_path: Path) -> None:
    with sigmalang.open(sgl_path) as f:
        words = array.array("I", bytes(400))
        assert f.readinto(words) == 400
        assert words.tobytes() == DATA[:400]
        view = memoryview(bytearray(50))
        assert f.readinto(view[10:20]) == 10
        assert bytes(view[10:20]) == DATA[400:410]
        assert f.tell() == 410


def test_read1_returns_some_bytes_without_overshooting(sgl_path: Path) -> None:
    with sigmalang.open(sgl_path) as f:
        first = f.read1(100)
        assert 0 < len(first) <= 100 and first == DATA[: len(first)]
        pieces = [first]
        while piece := f.read1(4096):
            assert len(piece) <= 4096
            pieces.append(piece)
        assert b"".join(pieces) == DATA
        assert f.read1() == b""


def test_read1_default_size_returns_data(sgl_path: Path) -> None:
    with sigmalang.open(sgl_path) as f:
        piece = f.read1()
        assert piece and DATA.startswith(piece)


def test_readinto1(sgl_path: Path) -> None:
    with sigmalang.open(sgl_path) as f:
        buf = bytearray(64)
        n = f.readinto1(buf)
        assert 0 < n <= 64 and buf[:n] == DATA[:n]


def test_peek_does_not_advance(sgl_path: Path) -> None:
    with sigmalang.open(sgl_path) as f:
        f.read(5)
        peeked = f.peek(10)
        assert len(peeked) >= 1 and DATA[5:].startswith(peeked)
        assert f.tell() == 5
        assert f.read(10) == DATA[5:15]
        f.seek(0, io.SEEK_END)
        assert f.peek(1) == b""


def test_readline_and_readline_with_limit(sgl_path: Path) -> None:
    expected = io.BytesIO(DATA)
    with sigmalang.open(sgl_path) as f:
        for size in (-1, 5, 1, 200, None, 0, 3):
            assert f.readline(size) == expected.readline(size if size is not None else -1)
            assert f.tell() == expected.tell()


def test_iteration_yields_lines(sgl_path: Path) -> None:
    with sigmalang.open(sgl_path) as f:
        lines = list(f)
    assert lines == io.BytesIO(DATA).readlines()  # split at b"\n" only, like files
    assert lines[-1] == b"no newline at the end"


def test_readlines_with_hint(sgl_path: Path) -> None:
    with sigmalang.open(sgl_path) as f:
        assert f.readlines() == io.BytesIO(DATA).readlines()


@pytest.mark.parametrize("size", [0, 1, 999, 1000, 1001, 4096, 1 << 20])
def test_reads_of_any_size_and_tell_afterwards(sgl_path: Path, size: int) -> None:
    with sigmalang.open(sgl_path) as f:
        got = bytearray()
        for _ in range(3):
            piece = f.read(size)
            got += piece
            assert f.tell() == len(got)
        assert bytes(got) == DATA[: len(got)]
        assert len(got) == min(3 * size, len(DATA))


def test_read_none_and_negative_read_everything(sgl_path: Path) -> None:
    with sigmalang.open(sgl_path) as f:
        assert f.read(None) == DATA
    with sigmalang.open(sgl_path) as f:
        f.read(10)
        assert f.read(-1) == DATA[10:]


@pytest.mark.parametrize("threads", [1, 2, 0])
def test_threads_read_the_same(sgl_path: Path, threads: int) -> None:
    with sigmalang.open(sgl_path, threads=threads) as f:
        pieces = []
        for size in (1, 999, 1001, 7, 50_000):
            pieces.append(f.read(size))
        f.seek(123)
        again = f.read(5000)
    assert b"".join(pieces) == DATA[: sum(len(p) for p in pieces)]
    assert again == DATA[123:5123]


# -- context manager and closed / wrong-mode errors ---------------------------------------------
def test_context_manager_closes_and_returns_the_file(sgl_path: Path) -> None:
    with sigmalang.open(sgl_path) as f:
        assert not f.closed
    assert f.closed
    f.close()  # closing twice is harmless
    with pytest.raises(ValueError):
        with f:
            pass


def test_context_manager_closes_on_exception_and_still_finishes_the_stream(tmp_path: Path) -> None:
    path = tmp_path / "boom.sgl"
    with pytest.raises(RuntimeError):
        with sigmalang.open(path, "wb") as f:
            f.write(b"written before the error")
            raise RuntimeError("boom")
    assert f.closed
    assert sigmalang.decompress(path.read_bytes()) == b"written before the error"


@pytest.mark.parametrize(
    "operation",
    [
        lambda f: f.read(),
        lambda f: f.read1(1),
        lambda f: f.readinto(bytearray(1)),
        lambda f: f.readinto1(bytearray(1)),
        lambda f: f.peek(1),
        lambda f: f.readline(),
        lambda f: next(iter(f)),
        lambda f: f.seek(0),
        lambda f: f.tell(),
        lambda f: f.readable(),
        lambda f: f.writable(),
        lambda f: f.seekable(),
        lambda f: f.flush(),
    ],
)
def test_operations_on_a_closed_reader_raise_value_error(sgl_path: Path, operation) -> None:  # type: ignore[no-untyped-def]
    f = sigmalang.open(sgl_path)
    f.close()
    with pytest.raises(ValueError):
        operation(f)


@pytest.mark.parametrize(
    "operation",
    [lambda f: f.write(b"x"), lambda f: f.flush(), lambda f: f.tell(), lambda f: f.seek(1), lambda f: f.writable()],
)
def test_operations_on_a_closed_writer_raise_value_error(tmp_path: Path, operation) -> None:  # type: ignore[no-untyped-def]
    f = sigmalang.open(tmp_path / "w.sgl", "wb")
    f.close()
    with pytest.raises(ValueError):
        operation(f)


@pytest.mark.parametrize(
    "operation",
    [lambda f: f.read(), lambda f: f.read1(1), lambda f: f.readinto(bytearray(1)), lambda f: f.peek(1), lambda f: f.readline()],
)
def test_reading_in_write_mode_raises_unsupported_operation(tmp_path: Path, operation) -> None:  # type: ignore[no-untyped-def]
    with sigmalang.open(tmp_path / "w.sgl", "wb") as f:
        with pytest.raises(io.UnsupportedOperation):
            operation(f)


def test_writing_in_read_mode_raises_unsupported_operation(sgl_path: Path) -> None:
    with sigmalang.open(sgl_path) as f:
        with pytest.raises(io.UnsupportedOperation):
            f.write(b"x")
    assert sgl_path.read_bytes() == BLOB


def test_corrupt_input_raises_format_error_on_read() -> None:
    bad = bytearray(BLOB)
    bad[len(bad) // 2] ^= 0xFF
    with sigmalang.open(io.BytesIO(bytes(bad))) as f:
        with pytest.raises(sigmalang.FormatError):
            f.read()
    with sigmalang.open(io.BytesIO(BLOB[:-5])) as f:
        with pytest.raises(sigmalang.TruncatedError):
            f.read()


# -- open() arguments -------------------------------------------------------------------------
@pytest.mark.parametrize("mode", ["rb+", "r+b", "rw", "wr", "", "bb", "rtb", "wbt", "z", "ra"])
def test_bad_mode_raises_value_error(sgl_path: Path, mode: str) -> None:
    with pytest.raises(ValueError):
        sigmalang.open(sgl_path, mode)


@pytest.mark.parametrize("argument", ["encoding", "errors", "newline"])
def test_text_arguments_in_binary_mode_raise_value_error(sgl_path: Path, argument: str) -> None:
    with pytest.raises(ValueError, match=argument):
        sigmalang.open(sgl_path, "rb", **{argument: "utf-8" if argument == "encoding" else "strict" if argument == "errors" else "\n"})


def test_open_rejects_objects_that_are_not_paths_or_files() -> None:
    with pytest.raises(TypeError):
        sigmalang.open(12345)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        SigmalangFile()


def test_bad_mode_does_not_create_a_file(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        sigmalang.open(tmp_path / "nope.sgl", "w+")
    assert not (tmp_path / "nope.sgl").exists()


# -- text modes, compared with gzip.open ------------------------------------------------------
TEXT = "héllo wörld\r\nsecond line\nthird\rfourth € line\n" * 40 + "end without newline"
NEWLINES = [None, "", "\n", "\r", "\r\n"]


@pytest.mark.parametrize("newline", NEWLINES)
def test_text_write_matches_gzip(tmp_path: Path, newline: str | None) -> None:
    with sigmalang.open(tmp_path / "t.sgl", "wt", encoding="utf-8", newline=newline) as f:
        f.write(TEXT)
    with gzip.open(tmp_path / "t.gz", "wt", encoding="utf-8", newline=newline) as g:
        g.write(TEXT)
    assert sigmalang.decompress((tmp_path / "t.sgl").read_bytes()) == gzip.decompress((tmp_path / "t.gz").read_bytes())


@pytest.mark.parametrize("newline", NEWLINES)
def test_text_read_and_iteration_match_gzip(tmp_path: Path, newline: str | None) -> None:
    raw = TEXT.encode("utf-8")
    (tmp_path / "t.sgl").write_bytes(sigmalang.compress(raw, chunk_size=64))
    (tmp_path / "t.gz").write_bytes(gzip.compress(raw))
    with sigmalang.open(tmp_path / "t.sgl", "rt", encoding="utf-8", newline=newline) as f, gzip.open(
        tmp_path / "t.gz", "rt", encoding="utf-8", newline=newline
    ) as g:
        assert f.readline() == g.readline()
        assert f.read(17) == g.read(17)
        assert list(f) == list(g)


@pytest.mark.parametrize("encoding", ["utf-16", "latin-1", "cp1252"])
def test_text_encodings_match_gzip(tmp_path: Path, encoding: str) -> None:
    text = "caf\u00e9 na\u00efve \u00fc\n" * 30
    with sigmalang.open(tmp_path / "t.sgl", "wt", encoding=encoding) as f:
        f.write(text)
    with gzip.open(tmp_path / "t.gz", "wt", encoding=encoding) as g:
        g.write(text)
    assert sigmalang.decompress((tmp_path / "t.sgl").read_bytes()) == gzip.decompress((tmp_path / "t.gz").read_bytes())
    with sigmalang.open(tmp_path / "t.sgl", "rt", encoding=encoding) as f:
        assert f.read() == text


def test_text_errors_argument(tmp_path: Path) -> None:
    (tmp_path / "bad.sgl").write_bytes(sigmalang.compress(b"ok \xff\xfe done"))
    with sigmalang.open(tmp_path / "bad.sgl", "rt", encoding="utf-8", errors="replace") as f:
        assert f.read() == "ok \ufffd\ufffd done"
    with sigmalang.open(tmp_path / "bad.sgl", "rt", encoding="utf-8") as f:
        with pytest.raises(UnicodeDecodeError):
            f.read()


def test_text_append_mode_adds_a_stream(tmp_path: Path) -> None:
    path = tmp_path / "log.sgl"
    with sigmalang.open(path, "wt", encoding="utf-8") as f:
        f.write("one\n")
    with sigmalang.open(path, "at", encoding="utf-8") as f:
        f.write("two ✓\n")
    with sigmalang.open(path, "rt", encoding="utf-8") as f:
        assert f.readlines() == ["one\n", "two ✓\n"]
    assert sigmalang.decompress(path.read_bytes()) == "one\ntwo ✓\n".encode()


def test_text_mode_seek_tell_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "t.sgl"
    with sigmalang.open(path, "wt", encoding="utf-8", newline="", chunk_size=50) as f:
        f.write(TEXT)
    with sigmalang.open(path, "rt", encoding="utf-8", newline="") as f:
        marks = []
        while True:
            here = f.tell()
            line = f.readline()
            if not line:
                break
            marks.append((here, line))
        assert "".join(line for _, line in marks) == TEXT
        for here, line in reversed(marks[::7]):
            f.seek(here)
            assert f.readline() == line
        f.seek(0, io.SEEK_END)
        assert f.read() == ""


def test_text_flush_then_continue_writing(tmp_path: Path) -> None:
    path = tmp_path / "t.sgl"
    with sigmalang.open(path, "wt", encoding="utf-8") as f:
        f.write("before flush\n")
        f.flush()
        assert path.stat().st_size > 0
        f.write("after flush\n")
    with sigmalang.open(path, "rt", encoding="utf-8") as f:
        assert f.read() == "before flush\nafter flush\n"


# -- flush and seek in write mode ----------------------------------------------------------------
def test_flush_then_continue_writing_round_trips() -> None:
    out = io.BytesIO()
    with sigmalang.open(out, "wb", chunk_size=CHUNK) as f:
        f.write(DATA[:1500])
        f.flush()
        flushed = len(out.getvalue())
        assert flushed > 0  # the partial chunk has reached the file
        f.write(DATA[1500:])
        f.flush()
        f.flush()  # flushing with nothing buffered adds no empty chunk
    blob = out.getvalue()
    assert sigmalang.decompress(blob) == DATA
    with sigmalang.open(io.BytesIO(blob)) as f:
        f.seek(1499)
        assert f.read(3) == DATA[1499:1502]


def test_write_mode_forward_seek_fills_zeros() -> None:
    out = io.BytesIO()
    with sigmalang.open(out, "wb", chunk_size=CHUNK) as f:
        f.write(b"abc")
        assert f.seek(10) == 10
        f.write(b"X")
        assert f.seek(2, io.SEEK_CUR) == 13
        assert f.seek(13) == 13  # no-op
        f.write(b"Y")
        assert f.seek(5000) == 5000
        assert f.tell() == 5000
    assert sigmalang.decompress(out.getvalue()) == b"abc" + bytes(7) + b"X" + bytes(2) + b"Y" + bytes(5000 - 14)


def test_write_mode_backward_seek_raises_os_error() -> None:
    out = io.BytesIO()
    with sigmalang.open(out, "wb") as f:
        f.write(b"abcdef")
        with pytest.raises(OSError):
            f.seek(2)
        with pytest.raises(OSError):
            f.seek(-1, io.SEEK_CUR)
        with pytest.raises(ValueError):
            f.seek(0, io.SEEK_END)
        f.write(b"g")
    assert sigmalang.decompress(out.getvalue()) == b"abcdefg"


# -- seeking while reading ---------------------------------------------------------------------
def _boundary_targets() -> list[int]:
    targets = []
    for boundary in range(0, len(DATA) + 1, CHUNK):
        targets.extend(t for t in (boundary - 1, boundary, boundary + 1) if 0 <= t <= len(DATA))
    targets.append(len(DATA))
    return targets


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("order", ["forward", "backward", "shuffled"])
def test_seek_to_every_chunk_boundary_plus_minus_one(sgl_path: Path, threads: int, order: str) -> None:
    targets = _boundary_targets()
    if order == "backward":
        targets.reverse()
    elif order == "shuffled":
        random.Random(5).shuffle(targets)
    with sigmalang.open(sgl_path, threads=threads) as f:
        for target in targets:
            assert f.seek(target) == target
            assert f.tell() == target
            assert f.read(CHUNK + 3) == DATA[target : target + CHUNK + 3], target
            assert f.tell() == min(len(DATA), target + CHUNK + 3)


def test_seek_on_bytesio_input(sgl_path: Path) -> None:
    with sigmalang.open(io.BytesIO(BLOB)) as f:
        assert f.seekable()
        for target in (20_000, 5, len(DATA) - 1, 1000):
            f.seek(target)
            assert f.read(10) == DATA[target : target + 10]


def test_seek_cur_and_seek_end(sgl_path: Path) -> None:
    with sigmalang.open(sgl_path) as f:
        f.read(100)
        assert f.seek(50, io.SEEK_CUR) == 150
        assert f.read(5) == DATA[150:155]
        assert f.seek(-55, io.SEEK_CUR) == 100
        assert f.read(5) == DATA[100:105]
        assert f.seek(0, io.SEEK_END) == len(DATA)
        assert f.read() == b""
        assert f.seek(-1001, io.SEEK_END) == len(DATA) - 1001
        assert f.read() == DATA[-1001:]
        assert f.seek(0, io.SEEK_CUR) == len(DATA)


def test_seek_beyond_end_stops_at_end_like_gzip(sgl_path: Path) -> None:
    with sigmalang.open(sgl_path) as f, gzip.GzipFile(fileobj=io.BytesIO(gzip.compress(DATA))) as g:
        assert f.seek(len(DATA) + 100) == g.seek(len(DATA) + 100) == len(DATA)
        assert f.read() == g.read() == b""
        assert f.tell() == len(DATA)
        assert f.seek(10, io.SEEK_END) == len(DATA)
        assert f.seek(3) == 3 and f.read(4) == DATA[3:7]


def test_negative_seek_position_and_bad_whence_raise_value_error(sgl_path: Path) -> None:
    with sigmalang.open(sgl_path) as f:
        f.read(10)
        with pytest.raises(ValueError):
            f.seek(-1)
        with pytest.raises(ValueError):
            f.seek(-20, io.SEEK_CUR)
        with pytest.raises(ValueError):
            f.seek(0, 7)
        assert f.read(2) == DATA[10:12]


def test_seek_after_reading_to_the_end_goes_back(sgl_path: Path) -> None:
    with sigmalang.open(sgl_path) as f:
        assert f.read() == DATA
        assert f.seek(0) == 0
        assert f.read() == DATA


@pytest.mark.parametrize("threads", [1, 2])
def test_seek_in_concatenated_streams(tmp_path: Path, threads: int) -> None:
    rnd = random.Random(9)
    parts = [bytes(rnd.getrandbits(8) for _ in range(n)) for n in (3500, 0, 1, 2000, 999, 1000)]
    path = tmp_path / "multi.sgl"
    path.write_bytes(b"".join(sigmalang.compress(p, chunk_size=CHUNK) for p in parts))
    data = b"".join(parts)
    with sigmalang.open(path, threads=threads) as f:
        assert f.read() == data
        starts = [0]
        for p in parts:
            starts.append(starts[-1] + len(p))
        targets = sorted({t for s in starts for t in (s - 1, s, s + 1) if 0 <= t <= len(data)} | set(range(0, len(data), 500)))
        for target in reversed(targets):
            assert f.seek(target) == target
            assert f.read(1200) == data[target : target + 1200], target
        assert f.seek(-2, io.SEEK_END) == len(data) - 2
        assert f.read() == data[-2:]


def test_seek_on_non_seekable_input_reads_forward() -> None:
    with sigmalang.open(NonSeekable(BLOB)) as f:
        assert not f.seekable()
        assert f.read(10) == DATA[:10]
        assert f.seek(5000) == 5000
        assert f.tell() == 5000
        assert f.read(10) == DATA[5000:5010]
        assert f.seek(990, io.SEEK_CUR) == 6000
        assert f.read(3) == DATA[6000:6003]
        assert f.seek(6003) == 6003  # seeking to where we are is fine
        assert f.seek(10 * len(DATA)) == len(DATA)
        assert f.read() == b""


def test_backward_seek_on_non_seekable_input_raises() -> None:
    with sigmalang.open(NonSeekable(BLOB)) as f:
        f.read(3000)
        with pytest.raises(io.UnsupportedOperation):
            f.seek(100)
        with pytest.raises(io.UnsupportedOperation):
            f.seek(-1, io.SEEK_CUR)
        with pytest.raises(OSError):
            f.seek(0, io.SEEK_END)
        assert f.tell() == 3000
        assert f.read(5) == DATA[3000:3005]


def test_non_seekable_input_reads_in_text_mode() -> None:
    with sigmalang.open(NonSeekable(sigmalang.compress(b"a\nb\n")), "rt", encoding="ascii") as f:
        assert list(f) == ["a\n", "b\n"]


def _without_index(blob: bytes) -> bytes:
    """The same single stream with its INDEX glyph dropped and END saying "no index"."""
    total, count, _checksum, index_offset, _end_offset, _magic = END_STRUCT.unpack(blob[-END_STRUCT.size :])
    # END's checksum covers the header and the chunk checksums (and the INDEX, now gone).
    covered = blob[:6] + b"".join(chunk.checksum.to_bytes(8, "little") for chunk in chunk_glyphs(blob))
    return blob[:index_offset] + encode_end_glyph(total, count, xxhash.xxh3_64_intdigest(covered), NO_INDEX, index_offset)


def test_stream_without_index_is_valid_and_seeks_by_scanning(tmp_path: Path) -> None:
    path = tmp_path / "noindex.sgl"
    path.write_bytes(_without_index(BLOB))
    assert sigmalang.decompress(path.read_bytes()) == DATA
    with sigmalang.open(path) as f:
        assert f.seekable()
        assert f.seek(5000) == 5000
        assert f.read(5) == DATA[5000:5005]
        assert f.seek(100) == 100  # backward: rewinds and scans again
        assert f.read(5) == DATA[100:105]
        assert f.seek(-7, io.SEEK_END) == len(DATA) - 7
        assert f.read() == DATA[-7:]
        assert f.seek(2, io.SEEK_SET) == 2 and f.read(3) == DATA[2:5]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    ops=st.lists(
        st.one_of(
            st.tuples(st.just("read"), st.integers(-1, 3 * CHUNK)),
            st.tuples(st.just("seek"), st.integers(0, len(DATA) + 10)),
            st.tuples(st.just("cur"), st.integers(-2 * CHUNK, 2 * CHUNK)),
            st.tuples(st.just("end"), st.integers(-len(DATA), 0)),
            st.tuples(st.just("readline"), st.integers(-1, 100)),
        ),
        max_size=25,
    )
)
def test_random_reads_and_seeks_match_bytesio(ops: list[tuple[str, int]]) -> None:
    model = io.BytesIO(DATA)
    with sigmalang.open(io.BytesIO(BLOB), threads=1) as f:
        for op, arg in ops:
            if op == "read":
                assert f.read(arg) == model.read(arg)
            elif op == "readline":
                assert f.readline(arg) == model.readline(arg)
            elif op == "seek":
                model.seek(min(arg, len(DATA)))
                assert f.seek(arg) == model.tell()
            elif op == "cur":
                target = max(0, min(model.tell() + arg, len(DATA)))
                model.seek(target)
                assert f.seek(target - f.tell(), io.SEEK_CUR) == target
            else:
                assert f.seek(arg, io.SEEK_END) == model.seek(arg, io.SEEK_END)
            assert f.tell() == model.tell()
