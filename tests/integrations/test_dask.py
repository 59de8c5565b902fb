"""sigmalang.dask and ``sigmalang --scheduler`` on a LocalCluster started here (in-process workers over TCP)."""

from __future__ import annotations

import io
import os
import pickle
import subprocess
import sys
import time
from pathlib import Path
from typing import Iterator

import pytest

distributed = pytest.importorskip("distributed")

import sigmalang  # noqa: E402
import sigmalang.dask as sd  # noqa: E402
from sigmalang.cli.main import main  # noqa: E402
from sigmalang.corpus import mixed, random_bytes  # noqa: E402
from sigmalang.dask._jobs import Job, run_jobs  # noqa: E402
from sigmalang.dask._ordered import Local, OrderedTasks, Remote  # noqa: E402
from sigmalang.dask._plan import decode_tasks, encode_tasks  # noqa: E402
from sigmalang.dask._ranges import encode_layout  # noqa: E402
from sigmalang.dask._tasks import decode_segments, decode_stream  # noqa: E402
from sigmalang.errors import ChecksumError, FormatError, TruncatedError  # noqa: E402
from sigmalang.format.index import read_stream_indexes  # noqa: E402
from sigmalang.format.limits import DEFAULT_LIMITS  # noqa: E402
from sigmalang.settings import EncoderSettings  # noqa: E402

MIB = 1 << 20


@pytest.fixture(scope="module")
def cluster() -> Iterator[object]:
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=False, protocol="tcp", dashboard_address=None
    ) as local:
        yield local


@pytest.fixture(scope="module")
def client(cluster: distributed.LocalCluster) -> Iterator[distributed.Client]:
    with distributed.Client(cluster, set_as_default=False) as c:
        yield c


@pytest.fixture(scope="module")
def data() -> bytes:
    return mixed(6 * MIB, seed=5)


@pytest.fixture
def sample(tmp_path: Path, data: bytes) -> Path:
    path = tmp_path / "sample.bin"
    path.write_bytes(data)
    return path


def streams_of(blob: bytes) -> list[int]:
    found = read_stream_indexes(io.BytesIO(blob), DEFAULT_LIMITS)
    assert found is not None
    return [start for start, _ in found]


# -- encoding --------------------------------------------------------------------------


def test_a_file_within_one_range_is_exactly_what_a_local_run_writes(client, sample: Path, tmp_path: Path) -> None:
    stats = sd.compress_file(str(sample), str(tmp_path / "out.sgl"), client=client)
    local = tmp_path / "local.sgl"
    sigmalang.StreamingEncoder(threads=2).encode_file(sample, local)
    assert (tmp_path / "out.sgl").read_bytes() == local.read_bytes()
    assert stats.bytes_in == sample.stat().st_size and stats.bytes_out == local.stat().st_size


def test_a_file_larger_than_a_range_is_one_stream_per_range_each_as_a_local_run_of_its_bytes(
    client, sample: Path, tmp_path: Path, data: bytes
) -> None:
    settings = EncoderSettings()
    chunk, step = encode_layout(settings, len(data), 2 * MIB)
    segment = settings.chunks_per_segment(chunk, len(data)) * chunk
    assert step % segment == 0 and step < len(data)
    sd.compress_file(str(sample), str(tmp_path / "out.sgl"), client=client, range_size=2 * MIB)
    blob = (tmp_path / "out.sgl").read_bytes()
    per_range = sigmalang.StreamingEncoder(settings=EncoderSettings(chunk_size=chunk, segment_size=segment))
    expected = b"".join(per_range.compress(data[start : start + step]) for start in range(0, len(data), step))
    assert blob == expected
    assert len(streams_of(blob)) == -(-len(data) // step) > 1
    assert sigmalang.decompress(blob) == data


def test_the_range_size_is_rounded_down_to_whole_segments_and_never_below_one(data: bytes) -> None:
    settings = EncoderSettings()
    chunk, _ = encode_layout(settings, len(data), MIB)
    segment = settings.chunks_per_segment(chunk, len(data)) * chunk
    assert encode_layout(settings, len(data), 1)[1] == segment
    assert encode_layout(settings, len(data), 3 * segment + 1)[1] == 3 * segment
    with pytest.raises(ValueError, match="range_size"):
        encode_layout(settings, len(data), 0)


def _pipe_encoded(raw: bytes) -> bytes:
    out = io.BytesIO()
    sigmalang.StreamingEncoder().encode_stream(io.BytesIO(raw), out)  # size unknown, as from a pipe
    return out.getvalue()


def test_a_file_object_is_read_by_the_client_and_its_ranges_sent(client, data: bytes) -> None:
    raw = data + data[: 3 * MIB]
    out = io.BytesIO()
    sd.compress_file(io.BytesIO(raw), out, client=client, range_size=4 * MIB)
    # Of unknown size, as from a pipe: 4 MiB chunks, 8 MiB segments, so ranges of 8 MiB.
    assert out.getvalue() == _pipe_encoded(raw[: 8 * MIB]) + _pipe_encoded(raw[8 * MIB :])
    assert sigmalang.decompress(out.getvalue()) == raw


def test_many_files_empty_small_and_multi_range_round_trip(client, tmp_path: Path, data: bytes) -> None:
    contents = {"empty": b"", "small": data[:5000], "large": data}
    names = []
    for stem, content in contents.items():
        (tmp_path / stem).write_bytes(content)
        names.append(str(tmp_path / stem))
    stats = sd.compress_files(names, client=client, range_size=2 * MIB)
    assert [s.bytes_in for s in stats] == [len(c) for c in contents.values()]
    for name in names:
        os.rename(name, name + ".orig")
    sd.decompress_files([n + ".sgl" for n in names], client=client, range_size=MIB)
    for name, content in zip(names, contents.values()):
        assert Path(name).read_bytes() == content


def test_fsspec_urls_are_read_and_written_by_url(client, memory_dir: str, data: bytes) -> None:
    fsspec = pytest.importorskip("fsspec")
    fs = fsspec.filesystem("memory")
    fs.pipe(f"{memory_dir}/a.bin", data)
    sd.compress_file(f"{memory_dir}/a.bin", f"{memory_dir}/a.bin.sgl", client=client, range_size=2 * MIB)
    assert sigmalang.decompress(fs.cat(f"{memory_dir}/a.bin.sgl")) == data
    sd.decompress_file(f"{memory_dir}/a.bin.sgl", f"{memory_dir}/b.bin", client=client)
    assert fs.cat(f"{memory_dir}/b.bin") == data


def test_an_encoding_task_that_fails_raises_its_error_and_leaves_no_output(client, tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "shrinks.bin"
    path.write_bytes(data)
    planned = list(encode_tasks(client, str(path), EncoderSettings(), 2 * MIB))
    path.write_bytes(data[: 3 * MIB])
    target = tmp_path / "shrinks.bin.sgl"
    job = Job(str(path), lambda: planned, lambda: sd._output(str(target)))
    with pytest.raises(OSError, match="shrank"):
        run_jobs(client, [job], 4)
    assert not target.exists()


# -- decoding --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def segmented(data: bytes) -> bytes:
    """One stream of many segments that no chunk reads back (no window: no copies, no primes)."""
    return sigmalang.StreamingEncoder(chunk_size=256 * 1024, segment_size=MIB, reference_window=0).compress(data)


def test_a_stream_without_references_is_decoded_in_parts_of_whole_segments(client, tmp_path: Path, segmented: bytes, data: bytes) -> None:
    path = tmp_path / "seg.sgl"
    path.write_bytes(segmented)
    tasks = list(decode_tasks(str(path), DEFAULT_LIMITS, 2 * MIB, 1))
    parts = [t for t in tasks if isinstance(t, Remote) and t.function is decode_segments]
    assert len(parts) == 3 and sum(p.arguments[0].raw_length for p in parts) == len(data)
    stats = sd.decompress_file(str(path), str(tmp_path / "out"), client=client, range_size=2 * MIB)
    assert (tmp_path / "out").read_bytes() == data
    assert stats.bytes_out == len(data) and stats.chunks == -(-len(data) // (256 * 1024))


@pytest.fixture(scope="module")
def far_repeats() -> tuple[bytes, bytes]:
    """A stream whose INDEX lists referenced chunks: a block repeated segments later."""
    block = random_bytes(MIB, seed=1)
    raw = block + random_bytes(2 * MIB, seed=2) + block
    blob = sigmalang.StreamingEncoder(chunk_size=256 * 1024, segment_size=512 * 1024).compress(raw)
    found = read_stream_indexes(io.BytesIO(blob), DEFAULT_LIMITS)
    assert found is not None and found[0][1].referenced
    return raw, blob


def test_a_stream_with_references_is_decoded_whole_by_one_task(client, tmp_path: Path, far_repeats) -> None:
    raw, blob = far_repeats
    path = tmp_path / "refs.sgl"
    path.write_bytes(blob)
    tasks = list(decode_tasks(str(path), DEFAULT_LIMITS, MIB, 1))
    assert [t.function for t in tasks if isinstance(t, Remote)][1:] == [decode_stream]
    sd.decompress_file(str(path), str(tmp_path / "out"), client=client, range_size=MIB)
    assert (tmp_path / "out").read_bytes() == raw


def test_a_long_stream_with_references_is_decoded_on_the_client(client, tmp_path: Path, far_repeats, monkeypatch) -> None:
    raw, blob = far_repeats
    monkeypatch.setattr("sigmalang.dask._plan.STREAM_TASK_SIZE", MIB)
    path = tmp_path / "refs.sgl"
    path.write_bytes(blob + sigmalang.compress(b"tail " * 1000))
    tasks = list(decode_tasks(str(path), DEFAULT_LIMITS, MIB, 1))
    assert [type(t) for t in tasks] == [Remote, Local, Remote]
    sd.decompress_file(str(path), str(tmp_path / "out"), client=client, range_size=MIB)
    assert (tmp_path / "out").read_bytes() == raw + b"tail " * 1000


def _local_error(blob: bytes) -> FormatError:
    with pytest.raises(FormatError) as local:
        sigmalang.decompress(blob)
    return local.value


@pytest.fixture(scope="module")
def two_streams(data: bytes) -> bytes:
    """What the cluster writes for two ranges: a stream each (with copies and primes inside them)."""
    return sigmalang.compress(data[: 3 * MIB]) + sigmalang.compress(data[3 * MIB :])


@pytest.mark.parametrize("kind", ["segmented", "two_streams"])
def test_a_damaged_chunk_raises_the_error_a_local_run_raises_and_leaves_no_output(client, tmp_path: Path, kind: str, request) -> None:
    damaged = bytearray(request.getfixturevalue(kind))
    damaged[len(damaged) * 3 // 4] ^= 0x40
    path = tmp_path / "bad.sgl"
    path.write_bytes(damaged)
    expected = _local_error(bytes(damaged))
    with pytest.raises(FormatError) as raised:
        sd.decompress_file(str(path), str(tmp_path / "out"), client=client, range_size=MIB)
    assert type(raised.value) is type(expected) and raised.value.offset == expected.offset
    assert not (tmp_path / "out").exists()


def test_a_truncated_file_is_decoded_by_the_client_and_reports_as_locally(client, tmp_path: Path, segmented: bytes) -> None:
    path = tmp_path / "cut.sgl"
    path.write_bytes(segmented[:-100])
    with pytest.raises(TruncatedError) as raised:
        sd.decompress_file(str(path), str(tmp_path / "out"), client=client)
    assert raised.value.offset == _local_error(segmented[:-100]).offset


def test_a_damaged_index_is_found_by_the_checking_task(client, tmp_path: Path, segmented: bytes) -> None:
    found = read_stream_indexes(io.BytesIO(segmented), DEFAULT_LIMITS)
    assert found is not None
    damaged = bytearray(segmented)
    end = len(damaged) - 46  # END glyph; its checksum field is 16 bytes into the payload
    damaged[end + 2 + 16] ^= 1
    path = tmp_path / "index.sgl"
    path.write_bytes(damaged)
    with pytest.raises(FormatError, match="checksum"):
        sd.decompress_file(str(path), str(tmp_path / "out"), client=client)


def test_a_missing_input_raises_file_not_found(client, tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        sd.decompress_file(str(tmp_path / "none.sgl"), str(tmp_path / "out"), client=client)
    assert not (tmp_path / "out").exists()


def test_task_errors_keep_their_type_and_offset_across_processes() -> None:
    error = pickle.loads(pickle.dumps(ChecksumError("chunk checksum mismatch", 7)))
    assert type(error) is ChecksumError and error.offset == 7 and str(error).endswith("(at byte offset 7)")


# -- order and bounds -------------------------------------------------------------------


def slow_identity(value: int, delay: float) -> tuple[int, float]:
    time.sleep(delay)
    return value, time.perf_counter()


def test_results_come_in_order_with_a_bounded_number_in_flight(client) -> None:
    runner = OrderedTasks(client, 3)
    pulled: list[int] = []

    def items() -> Iterator[Remote | Local]:
        for i in range(12):
            pulled.append(i)
            # later tasks finish first within a window, so order comes from the reordering
            yield Remote(slow_identity, (i, 0.02 * (3 - i % 3)))
            if i == 5:
                yield Local("between")

    handed: list[object] = []
    for item, outcome in runner.run(items()):
        handed.append(outcome.value()[0] if outcome is not None else item.step)
        assert len(pulled) - sum(isinstance(h, int) for h in handed) <= 3
    assert handed == [0, 1, 2, 3, 4, 5, "between", 6, 7, 8, 9, 10, 11]
    assert runner.peak_in_flight == 3 and runner.submitted == 12


def test_stopping_early_cancels_what_is_in_flight(client) -> None:
    runner = OrderedTasks(client, 4)
    results = runner.run(Remote(slow_identity, (i, 0.2)) for i in range(8))
    next(results)
    results.close()
    assert not runner._window and runner.submitted == 4


# -- command line -----------------------------------------------------------------------


def test_cli_compresses_and_decompresses_through_the_scheduler(cluster, sample: Path, data: bytes, capsys) -> None:
    address = cluster.scheduler_address
    assert main(["--scheduler", address, "--range-size", "2M", str(sample)]) == 0
    packed = Path(str(sample) + ".sgl")
    assert len(streams_of(packed.read_bytes())) > 1
    assert main(["--scheduler", address, str(sample)]) == 1  # the output exists: not overwritten
    assert "already exists" in capsys.readouterr().err
    assert main(["--scheduler", address, "-t", str(packed)]) == 0
    assert "OK" in capsys.readouterr().err
    sample.unlink()
    assert main(["--scheduler", address, "-d", "--rm", str(packed)]) == 0
    assert sample.read_bytes() == data and not packed.exists()


def test_cli_reports_a_damaged_file_with_its_offset_and_goes_on(cluster, tmp_path: Path, segmented: bytes, data: bytes, capsys) -> None:
    damaged = bytearray(segmented)
    damaged[len(damaged) // 2] ^= 0x40
    (tmp_path / "bad.sgl").write_bytes(damaged)
    (tmp_path / "good.sgl").write_bytes(segmented)
    code = main(["--scheduler", cluster.scheduler_address, "-d", str(tmp_path / "bad.sgl"), str(tmp_path / "good.sgl")])
    assert code == 1
    err = capsys.readouterr().err
    assert f"bad.sgl: " in err and f"offset {_local_error(bytes(damaged)).offset}" in err
    assert not (tmp_path / "bad").exists() and (tmp_path / "good").read_bytes() == data
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temporary file left


def test_cli_process_reads_standard_input_and_writes_what_a_local_run_writes(cluster, data: bytes) -> None:
    command = [sys.executable, "-m", "sigmalang.cli.main", "--scheduler", cluster.scheduler_address, "-c"]
    result = subprocess.run(command, input=data[: 2 * MIB], capture_output=True, timeout=120)
    assert result.returncode == 0, result.stderr
    local = subprocess.run([sys.executable, "-m", "sigmalang.cli.main", "-c"], input=data[: 2 * MIB], capture_output=True, timeout=120)
    assert result.stdout == local.stdout


def test_cli_range_size_without_a_scheduler_is_a_usage_error(sample: Path, capsys) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--range-size", "2M", str(sample)])
    assert exited.value.code == 2 and "--scheduler" in capsys.readouterr().err
    assert not Path(str(sample) + ".sgl").exists()


def test_cli_says_when_the_scheduler_cannot_be_reached(tmp_path: Path, sample: Path, capsys) -> None:
    import dask

    with dask.config.set({"distributed.comm.timeouts.connect": "1s"}):
        assert main(["--scheduler", "tcp://127.0.0.1:9", str(sample)]) == 1
    assert "cannot use the Dask scheduler" in capsys.readouterr().err
    assert not Path(str(sample) + ".sgl").exists()
