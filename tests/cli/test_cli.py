"""The ``sigmalang`` command line as a user runs it: a subprocess on real files and pipes."""

from __future__ import annotations

import json
import os
import pty
import re
import select
import stat
import subprocess
import sys
from pathlib import Path

import pytest

import sigmalang
from sigmalang.corpus import mixed

CLI = [sys.executable, "-m", "sigmalang.cli.main"]
# Wide columns so rich does not wrap ``info``/``demo`` lines in the middle of a phrase.
ENV = {**os.environ, "COLUMNS": "200"}
OFFSET = re.compile(r"byte offset \d+")


def run(*args: str | os.PathLike[str], input: bytes | None = None, cwd: Path | None = None, **kwargs: object) -> subprocess.CompletedProcess[bytes]:
    """Run the CLI; stdin is empty unless ``input`` is given, so a test can never hang on it."""
    if input is None:
        kwargs.setdefault("stdin", subprocess.DEVNULL)
    kwargs.setdefault("stdout", subprocess.PIPE)
    kwargs.setdefault("stderr", subprocess.PIPE)
    return subprocess.run([*CLI, *map(str, args)], input=input, cwd=cwd, env=ENV, timeout=120, **kwargs)  # type: ignore[call-overload]


def files_in(folder: Path) -> set[str]:
    return {p.name for p in folder.iterdir()}


@pytest.fixture(scope="module")
def payload() -> bytes:
    """Mixed, compressible data, large enough for several chunks at the default chunk size."""
    return mixed(600_000, seed=7)


@pytest.fixture
def sample(tmp_path: Path, payload: bytes) -> Path:
    path = tmp_path / "sample.bin"
    path.write_bytes(payload)
    return path


@pytest.fixture
def packed(sample: Path) -> Path:
    """``sample.bin.sgl`` made by the CLI itself."""
    assert run(sample).returncode == 0
    return sample.with_name(sample.name + ".sgl")


# -- compress / decompress files ------------------------------------------------
def test_compress_file_writes_sgl_and_keeps_input(sample: Path, payload: bytes) -> None:
    result = run(sample)
    assert result.returncode == 0, result.stderr
    assert result.stdout == b""
    assert sample.read_bytes() == payload
    out = sample.with_name("sample.bin.sgl")
    assert sigmalang.decompress(out.read_bytes()) == payload
    assert files_in(sample.parent) == {"sample.bin", "sample.bin.sgl"}


def test_compressed_file_equals_api_compress(packed: Path, payload: bytes) -> None:
    assert packed.read_bytes() == sigmalang.compress(payload)


def test_decompress_restores_input_byte_exact(packed: Path, payload: bytes) -> None:
    packed.with_name("sample.bin").unlink()
    result = run("-d", packed)
    assert result.returncode == 0, result.stderr
    assert packed.with_name("sample.bin").read_bytes() == payload
    assert packed.exists()


def test_refuses_to_overwrite_existing_output_without_force(sample: Path, packed: Path) -> None:
    packed.write_bytes(b"precious")
    result = run(sample)
    assert result.returncode == 1
    assert b"sample.bin.sgl" in result.stderr and b"-f" in result.stderr
    assert packed.read_bytes() == b"precious"
    assert files_in(sample.parent) == {"sample.bin", "sample.bin.sgl"}


def test_decompress_refuses_to_overwrite_existing_output_without_force(sample: Path, packed: Path) -> None:
    sample.write_bytes(b"precious")
    result = run("-d", packed)
    assert result.returncode == 1
    assert b"sample.bin" in result.stderr
    assert sample.read_bytes() == b"precious"


def test_force_overwrites_existing_output(sample: Path, payload: bytes) -> None:
    out = sample.with_name("sample.bin.sgl")
    out.write_bytes(b"old")
    result = run("-f", sample)
    assert result.returncode == 0, result.stderr
    assert sigmalang.decompress(out.read_bytes()) == payload


def test_force_decompress_overwrites_existing_output(sample: Path, packed: Path, payload: bytes) -> None:
    sample.write_bytes(b"old")
    assert run("-d", "-f", packed).returncode == 0
    assert sample.read_bytes() == payload


def test_rm_removes_input_after_success(sample: Path, payload: bytes) -> None:
    result = run("--rm", sample)
    assert result.returncode == 0, result.stderr
    assert not sample.exists()
    out = sample.with_name("sample.bin.sgl")
    assert sigmalang.decompress(out.read_bytes()) == payload
    assert run("-d", "--rm", out).returncode == 0
    assert not out.exists()
    assert sample.read_bytes() == payload


def test_rm_keeps_input_when_decoding_fails(tmp_path: Path, packed: Path) -> None:
    bad = tmp_path / "bad.sgl"
    blob = bytearray(packed.read_bytes())
    blob[len(blob) // 2] ^= 0xFF
    bad.write_bytes(blob)
    result = run("-d", "--rm", bad)
    assert result.returncode == 1
    assert bad.read_bytes() == blob
    assert not (tmp_path / "bad").exists()


def test_rm_keeps_input_when_output_exists(sample: Path, packed: Path) -> None:
    before = packed.read_bytes()
    assert run("--rm", sample).returncode == 1
    assert sample.exists() and packed.read_bytes() == before


def test_rm_with_stdout_keeps_input(sample: Path, payload: bytes) -> None:
    result = run("--rm", "-c", sample)
    assert result.returncode == 0
    assert sample.exists()
    assert sigmalang.decompress(result.stdout) == payload


def test_keep_flag_keeps_input(sample: Path) -> None:
    assert run("-k", sample).returncode == 0
    assert sample.exists() and sample.with_name("sample.bin.sgl").exists()


def test_keep_and_rm_together_are_a_usage_error(sample: Path) -> None:
    result = run("-k", "--rm", sample)
    assert result.returncode == 2
    assert files_in(sample.parent) == {"sample.bin"}


def test_compressing_a_file_that_already_has_the_suffix_is_refused(packed: Path) -> None:
    result = run(packed)
    assert result.returncode == 1
    assert b".sgl" in result.stderr and b"suffix" in result.stderr
    assert not packed.with_name("sample.bin.sgl.sgl").exists()


def test_input_and_output_the_same_file_is_refused(sample: Path, payload: bytes) -> None:
    result = run("-f", "-o", sample, sample)
    assert result.returncode == 1
    assert b"same file" in result.stderr
    assert sample.read_bytes() == payload


# -- standard streams ------------------------------------------------------------
def test_stdout_flag_writes_compressed_data_to_stdout(sample: Path, payload: bytes) -> None:
    result = run("-c", sample)
    assert result.returncode == 0
    assert result.stdout == sigmalang.compress(payload)
    assert files_in(sample.parent) == {"sample.bin"}


def test_decompress_to_stdout(packed: Path, payload: bytes) -> None:
    result = run("-dc", packed)
    assert result.returncode == 0
    assert result.stdout == payload


def test_stdin_to_stdout_pipe_round_trips(payload: bytes) -> None:
    compressed = run(input=payload)
    assert compressed.returncode == 0, compressed.stderr
    assert sigmalang.decompress(compressed.stdout) == payload
    restored = run("-d", input=compressed.stdout)
    assert restored.returncode == 0
    assert restored.stdout == payload


@pytest.mark.parametrize("compress_args, decompress_args", [(["-c"], ["-dc"]), (["-"], ["-d", "-"]), (["-c", "-"], ["-dc", "-"])])
def test_pipes_with_stdout_flag_and_dash(payload: bytes, compress_args: list[str], decompress_args: list[str]) -> None:
    compressed = run(*compress_args, input=payload)
    assert compressed.returncode == 0
    restored = run(*decompress_args, input=compressed.stdout)
    assert restored.returncode == 0
    assert restored.stdout == payload


def test_shell_pipeline_between_two_processes(payload: bytes) -> None:
    encoder = subprocess.Popen([*CLI, "-c"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=ENV)
    decoder = subprocess.Popen([*CLI, "-dc"], stdin=encoder.stdout, stdout=subprocess.PIPE, env=ENV)
    assert encoder.stdout is not None and encoder.stdin is not None
    encoder.stdout.close()
    encoder.stdin.write(payload)
    encoder.stdin.close()
    out, _ = decoder.communicate(timeout=120)
    assert encoder.wait(timeout=120) == 0 and decoder.returncode == 0
    assert out == payload


def test_stdin_given_twice_is_a_usage_error(payload: bytes) -> None:
    assert run("-", "-", input=payload).returncode == 2


def test_multiple_files_to_stdout_give_concatenated_streams(tmp_path: Path) -> None:
    (tmp_path / "a").write_bytes(b"first part\n" * 100)
    (tmp_path / "b").write_bytes(b"second part\n" * 100)
    result = run("-c", "a", "b", cwd=tmp_path)
    assert result.returncode == 0
    assert sigmalang.decompress(result.stdout) == b"first part\n" * 100 + b"second part\n" * 100
    assert run("-dc", input=result.stdout).stdout == b"first part\n" * 100 + b"second part\n" * 100


# -- -o ---------------------------------------------------------------------------
def test_output_option_names_the_compressed_file(sample: Path, payload: bytes) -> None:
    out = sample.parent / "custom.name"
    assert run("-o", out, sample).returncode == 0
    assert sigmalang.decompress(out.read_bytes()) == payload
    assert files_in(sample.parent) == {"sample.bin", "custom.name"}


def test_output_option_for_decompression_and_stdin(tmp_path: Path, payload: bytes) -> None:
    out = tmp_path / "from-stdin.sgl"
    assert run("-o", out, input=payload).returncode == 0
    restored = tmp_path / "restored"
    assert run("-d", "-o", restored, out).returncode == 0
    assert restored.read_bytes() == payload


def test_output_option_refuses_existing_file_without_force(sample: Path, payload: bytes) -> None:
    out = sample.parent / "exists"
    out.write_bytes(b"keep me")
    result = run("-o", out, sample)
    assert result.returncode == 1
    assert b"exists" in result.stderr
    assert out.read_bytes() == b"keep me"
    assert run("-f", "-o", out, sample).returncode == 0
    assert sigmalang.decompress(out.read_bytes()) == payload


def test_output_option_with_two_inputs_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "a").write_bytes(b"a")
    (tmp_path / "b").write_bytes(b"b")
    result = run("-o", "out", "a", "b", cwd=tmp_path)
    assert result.returncode == 2
    assert b"-o" in result.stderr
    assert files_in(tmp_path) == {"a", "b"}


def test_output_option_with_stdout_flag_is_a_usage_error(sample: Path) -> None:
    assert run("-c", "-o", sample.parent / "x", sample).returncode == 2


# -- threads and levels ---------------------------------------------------------------
def test_thread_counts_give_identical_compressed_bytes(sample: Path) -> None:
    outputs = {t: run(f"-T{t}", "--chunk-size", "64K", "-c", sample) for t in (0, 1, 2)}
    assert all(r.returncode == 0 for r in outputs.values())
    assert outputs[0].stdout == outputs[1].stdout == outputs[2].stdout
    info = run("info", "--json", "-", input=outputs[1].stdout)
    assert json.loads(info.stdout)["chunks"] > 2  # several chunks, so threads really split the work


def test_levels_change_ratio_and_round_trip(sample: Path, payload: bytes) -> None:
    fast = run("-1", "-c", sample)
    best = run("-19", "-c", sample)
    five = run("--level", "5", "-c", sample)
    five_short = run("-5", "-c", sample)
    for result in (fast, best, five):
        assert result.returncode == 0
        assert sigmalang.decompress(result.stdout) == payload
    assert len(best.stdout) < len(fast.stdout)
    assert five.stdout == five_short.stdout == sigmalang.compress(payload, 5)
    assert fast.stdout == sigmalang.compress(payload, 1)


@pytest.mark.parametrize("level", ["0", "20", "-3", "abc", "1.5"])
def test_bad_level_is_a_usage_error_with_clear_message(sample: Path, level: str) -> None:
    result = run(f"--level={level}", sample)
    assert result.returncode == 2
    assert b"--level" in result.stderr and b"1 to 19" in result.stderr
    assert b"Traceback" not in result.stderr
    assert files_in(sample.parent) == {"sample.bin"}


@pytest.mark.parametrize("threads", ["-1", "x"])
def test_bad_thread_count_is_a_usage_error(sample: Path, threads: str) -> None:
    result = run(f"--threads={threads}", sample)
    assert result.returncode == 2
    assert b"threads" in result.stderr


# -- decompression names -----------------------------------------------------------------
def test_decompress_without_suffix_is_refused_unless_output_is_chosen(tmp_path: Path, payload: bytes) -> None:
    odd = tmp_path / "data.compressed"
    odd.write_bytes(sigmalang.compress(payload))
    refused = run("-d", odd)
    assert refused.returncode == 1
    assert b"data.compressed" in refused.stderr and b"suffix" in refused.stderr
    assert files_in(tmp_path) == {"data.compressed"}
    assert run("-dc", odd).stdout == payload
    assert run("-d", "-o", tmp_path / "plain", odd).returncode == 0
    assert (tmp_path / "plain").read_bytes() == payload


# -- damaged input ------------------------------------------------------------------------
def _assert_clean_failure(result: subprocess.CompletedProcess[bytes], name: str) -> None:
    assert result.returncode == 1
    message = result.stderr.decode()
    assert name in message
    assert OFFSET.search(message), message
    assert "Traceback" not in message


def test_corrupt_input_fails_naming_file_and_offset_and_leaves_nothing(tmp_path: Path, payload: bytes) -> None:
    blob = bytearray(sigmalang.compress(payload))
    blob[len(blob) // 2] ^= 0x55
    (tmp_path / "bad.sgl").write_bytes(blob)
    result = run("-d", "bad.sgl", cwd=tmp_path)
    _assert_clean_failure(result, "bad.sgl")
    assert files_in(tmp_path) == {"bad.sgl"}  # no output, no temporary file


@pytest.mark.parametrize("keep", [0.0, 0.3, 0.999])
def test_truncated_input_fails_naming_file_and_offset_and_leaves_nothing(tmp_path: Path, payload: bytes, keep: float) -> None:
    blob = sigmalang.compress(payload)
    cut = max(1, int(len(blob) * keep))
    (tmp_path / "cut.sgl").write_bytes(blob[:cut])
    result = run("-d", "cut.sgl", cwd=tmp_path)
    _assert_clean_failure(result, "cut.sgl")
    assert files_in(tmp_path) == {"cut.sgl"}


def test_not_sigmalang_data_fails_cleanly(tmp_path: Path) -> None:
    (tmp_path / "plain.sgl").write_bytes(b"this is just text, not a compressed stream\n")
    result = run("-d", "plain.sgl", cwd=tmp_path)
    _assert_clean_failure(result, "plain.sgl")
    assert files_in(tmp_path) == {"plain.sgl"}


def test_failed_decode_leaves_existing_output_untouched_even_with_force(tmp_path: Path, payload: bytes) -> None:
    blob = sigmalang.compress(payload)
    (tmp_path / "x.sgl").write_bytes(blob[:-3])
    (tmp_path / "x").write_bytes(b"previous contents")
    result = run("-d", "-f", "x.sgl", cwd=tmp_path)
    assert result.returncode == 1
    assert (tmp_path / "x").read_bytes() == b"previous contents"
    assert files_in(tmp_path) == {"x.sgl", "x"}


def test_corrupt_stdin_fails_with_offset() -> None:
    result = run("-d", input=b"garbage" * 20)
    assert result.returncode == 1
    assert b"<stdin>" in result.stderr and OFFSET.search(result.stderr.decode())


def test_one_failing_file_does_not_stop_the_others(tmp_path: Path) -> None:
    (tmp_path / "a").write_bytes(b"alpha" * 1000)
    (tmp_path / "c").write_bytes(b"gamma" * 1000)
    result = run("a", "missing", "c", cwd=tmp_path)
    assert result.returncode == 1
    assert b"missing" in result.stderr
    assert sigmalang.decompress((tmp_path / "a.sgl").read_bytes()) == b"alpha" * 1000
    assert sigmalang.decompress((tmp_path / "c.sgl").read_bytes()) == b"gamma" * 1000
    (tmp_path / "a").unlink()
    (tmp_path / "c").unlink()
    (tmp_path / "b.sgl").write_bytes(b"not compressed")
    result = run("-d", "a.sgl", "b.sgl", "c.sgl", cwd=tmp_path)
    assert result.returncode == 1
    assert b"b.sgl" in result.stderr and b"a.sgl" not in result.stderr
    assert (tmp_path / "a").read_bytes() == b"alpha" * 1000
    assert (tmp_path / "c").read_bytes() == b"gamma" * 1000
    assert not (tmp_path / "b").exists()


def test_directory_input_gives_clear_error(tmp_path: Path) -> None:
    (tmp_path / "folder").mkdir()
    result = run("folder", cwd=tmp_path)
    assert result.returncode == 1
    assert b"folder" in result.stderr and b"directory" in result.stderr
    assert b"Traceback" not in result.stderr
    assert files_in(tmp_path) == {"folder"}


# -- verify and info ----------------------------------------------------------------------
@pytest.mark.parametrize("command", [["-t"], ["verify"]])
def test_verify_good_file_succeeds(packed: Path, command: list[str]) -> None:
    before = files_in(packed.parent)
    result = run(*command, packed)
    assert result.returncode == 0, result.stderr
    assert b"OK" in result.stderr and b"sample.bin.sgl" in result.stderr
    assert result.stdout == b""
    assert files_in(packed.parent) == before


@pytest.mark.parametrize("command", [["-t"], ["verify"]])
def test_verify_bad_file_fails(tmp_path: Path, packed: Path, command: list[str]) -> None:
    blob = bytearray(packed.read_bytes())
    blob[-40] ^= 1
    bad = tmp_path / "bad.sgl"
    bad.write_bytes(blob)
    result = run(*command, packed, bad)
    assert result.returncode == 1
    assert b"bad.sgl" in result.stderr
    assert b"sample.bin.sgl: OK" in result.stderr


def test_verify_quiet_prints_nothing(packed: Path) -> None:
    result = run("-q", "-t", packed)
    assert result.returncode == 0 and result.stderr == b""


def test_verify_reads_stdin(packed: Path) -> None:
    assert run("-t", input=packed.read_bytes()).returncode == 0
    assert run("-t", input=packed.read_bytes()[:-1]).returncode == 1


def test_info_json_fields(packed: Path, payload: bytes) -> None:
    result = run("info", "--json", packed)
    assert result.returncode == 0, result.stderr
    info = json.loads(result.stdout)
    assert info["raw_size"] == len(payload)
    assert info["compressed_size"] == packed.stat().st_size
    assert info["streams"] == 1 and info["indexed_streams"] == 1
    assert info["chunks"] >= 2
    assert sum(s["chunks"] for s in info["strategies"].values()) == info["chunks"]
    assert sum(s["raw_bytes"] for s in info["strategies"].values()) == len(payload)
    assert info["ratio"] == pytest.approx(len(payload) / packed.stat().st_size, rel=1e-3)
    assert info["reference_window"] == 128 << 20  # how far back REFERENCE copies may reach


def test_info_json_on_concatenated_streams(tmp_path: Path, payload: bytes) -> None:
    one, two = sigmalang.compress(payload), sigmalang.compress(b"tail" * 5000, chunk_size=4096)
    (tmp_path / "both.sgl").write_bytes(one + two)
    single = json.loads(run("info", "--json", "-", input=one).stdout)
    info = json.loads(run("info", "--json", "both.sgl", cwd=tmp_path).stdout)
    assert info["file"] == "both.sgl"
    assert info["streams"] == 2 and info["indexed_streams"] == 2
    assert info["raw_size"] == len(payload) + 20000
    assert info["compressed_size"] == len(one) + len(two)
    assert info["chunks"] == single["chunks"] + 5
    assert sum(s["chunks"] for s in info["strategies"].values()) == info["chunks"]
    assert run("-dc", "both.sgl", cwd=tmp_path).stdout == payload + b"tail" * 5000


def test_info_text_reports_streams_chunks_and_index(tmp_path: Path, packed: Path) -> None:
    both = tmp_path / "two.sgl"
    both.write_bytes(packed.read_bytes() * 2)
    result = run("info", packed, both)
    assert result.returncode == 0
    text = result.stdout.decode()
    assert "sample.bin.sgl" in text and "two.sgl" in text
    assert "1 stream(s)" in text and "2 stream(s)" in text
    assert "index: yes" in text and "ratio" in text
    assert "reference window: 128.0 MiB" in text


def test_info_on_invalid_file_fails(tmp_path: Path) -> None:
    (tmp_path / "junk.sgl").write_bytes(b"\x00" * 64)
    result = run("info", "junk.sgl", cwd=tmp_path)
    assert result.returncode == 1
    assert b"junk.sgl" in result.stderr


# -- demo, version, verbosity, progress ---------------------------------------------------
def test_demo_reports_round_trip_ok() -> None:
    result = run("demo", "--size", "2", "--runs", "2")
    assert result.returncode == 0, result.stderr
    out = result.stdout.decode()
    assert "Round trip OK" in out
    assert "best of 2 rounds taking turns" in out
    assert "zstandard" in out and "decompresses on one thread" in out


def test_version_prints_package_version() -> None:
    result = run("--version")
    assert result.returncode == 0
    assert result.stdout.decode().strip() == f"sigmalang {sigmalang.__version__}"


def test_verbose_prints_summary_on_stderr(sample: Path) -> None:
    result = run("-v", sample)
    assert result.returncode == 0
    assert result.stdout == b""
    summary = result.stderr.decode()
    assert "sample.bin -> " in summary and "sample.bin.sgl" in summary and "ratio" in summary and "chunks" in summary
    quiet = run("-v", "-q", "-f", sample)
    assert quiet.returncode == 0 and quiet.stderr == b""


def test_verbose_summary_names_stdin_and_stdout(payload: bytes) -> None:
    result = run("-v", input=payload)
    assert result.returncode == 0
    assert result.stderr.decode().startswith("sigmalang: <stdin> -> <stdout>: ")
    assert sigmalang.decompress(result.stdout) == payload


def test_default_run_prints_nothing(sample: Path) -> None:
    result = run(sample)
    assert result.returncode == 0 and result.stdout == b"" and result.stderr == b""


@pytest.mark.parametrize("flag", ["--progress", "--no-progress"])
def test_progress_flag_does_not_corrupt_output_when_stderr_is_not_a_tty(sample: Path, payload: bytes, flag: str) -> None:
    compressed = run(flag, "-c", sample)
    assert compressed.returncode == 0, compressed.stderr
    assert compressed.stdout == sigmalang.compress(payload)
    restored = run(flag, "-d", input=compressed.stdout)
    assert restored.returncode == 0
    assert restored.stdout == payload
    assert run(flag, sample).returncode == 0
    assert sigmalang.decompress(sample.with_name("sample.bin.sgl").read_bytes()) == payload


# -- file metadata and odd names ----------------------------------------------------------
def test_output_keeps_input_permission_bits_and_mtime(sample: Path) -> None:
    sample.chmod(0o640)
    os.utime(sample, ns=(1_000_000_000_000_000_000, 1_000_000_000_000_000_000))
    assert run(sample).returncode == 0
    out = sample.with_name("sample.bin.sgl")
    assert stat.S_IMODE(out.stat().st_mode) == 0o640
    assert out.stat().st_mtime_ns == 1_000_000_000_000_000_000
    out.chmod(0o604)
    sample.unlink()
    assert run("-d", out).returncode == 0
    assert stat.S_IMODE(sample.stat().st_mode) == 0o604


@pytest.mark.parametrize("umask, mode", [(0o022, 0o644), (0o077, 0o600), (0o027, 0o640)])
def test_output_from_stdin_gets_ordinary_new_file_permissions(tmp_path: Path, payload: bytes, umask: int, mode: int) -> None:
    out = tmp_path / "piped.sgl"
    assert run("-o", out, input=payload, umask=umask).returncode == 0
    assert stat.S_IMODE(out.stat().st_mode) == mode
    restored = tmp_path / "restored"
    assert run("-d", "-o", restored, input=out.read_bytes(), umask=umask).returncode == 0
    assert stat.S_IMODE(restored.stat().st_mode) == mode


def test_output_in_missing_folder_names_the_output_not_a_temp_file(sample: Path) -> None:
    target = sample.parent / "no-such-folder" / "out.sgl"
    result = run("-o", target, sample)
    assert result.returncode == 1
    message = result.stderr.decode()
    assert str(target) in message and "No such file or directory" in message
    assert ".tmp" not in message
    assert files_in(sample.parent) == {"sample.bin"}


def test_file_name_with_spaces(tmp_path: Path) -> None:
    name = tmp_path / "my data file.txt"
    name.write_bytes(b"spaces are fine\n" * 500)
    assert run(name).returncode == 0
    name.unlink()
    assert run("-d", tmp_path / "my data file.txt.sgl").returncode == 0
    assert name.read_bytes() == b"spaces are fine\n" * 500


def test_empty_file_round_trips(tmp_path: Path) -> None:
    (tmp_path / "empty").write_bytes(b"")
    assert run("empty", cwd=tmp_path).returncode == 0
    packed = (tmp_path / "empty.sgl").read_bytes()
    assert len(packed) > 0 and sigmalang.decompress(packed) == b""
    assert run("-d", "-f", "empty.sgl", cwd=tmp_path).returncode == 0
    assert (tmp_path / "empty").read_bytes() == b""
    assert run("-t", "empty.sgl", cwd=tmp_path).returncode == 0
    assert run("-dc", input=run("-c", input=b"").stdout).stdout == b""


# -- terminals ----------------------------------------------------------------------------
def _run_on_terminal(*args: str | os.PathLike[str]) -> tuple[subprocess.CompletedProcess[bytes], bytes]:
    """Run with stdout on a pseudo-terminal; returns the result and what reached the terminal."""
    master, slave = pty.openpty()
    try:
        result = run(*args, stdout=slave)
    finally:
        os.close(slave)
    shown = b""
    try:
        while select.select([master], [], [], 0.2)[0]:
            piece = os.read(master, 65536)
            if not piece:
                break
            shown += piece
    except OSError:  # EIO once the terminal has no writer left
        pass
    finally:
        os.close(master)
    return result, shown


def test_refuses_to_write_compressed_data_to_a_terminal(tmp_path: Path) -> None:
    small = tmp_path / "small.txt"
    small.write_bytes(b"short text\n" * 20)
    result, shown = _run_on_terminal("-c", small)
    assert result.returncode == 1
    assert b"terminal" in result.stderr and b"small.txt" in result.stderr
    assert shown == b""
    result, shown = _run_on_terminal(small.parent / "small.txt", "-", "-c")
    assert result.returncode == 1


def test_force_writes_compressed_data_to_a_terminal(tmp_path: Path) -> None:
    small = tmp_path / "small.txt"
    small.write_bytes(b"short text\n" * 20)
    result, shown = _run_on_terminal("-f", "-c", small)
    assert result.returncode == 0, result.stderr
    assert shown.startswith(sigmalang.compress(b"short text\n" * 20)[:4])


def test_decompressed_data_may_go_to_a_terminal(tmp_path: Path) -> None:
    (tmp_path / "t.sgl").write_bytes(sigmalang.compress(b"readable text"))
    result, shown = _run_on_terminal("-dc", tmp_path / "t.sgl")
    assert result.returncode == 0, result.stderr
    assert b"readable text" in shown


def test_compressing_to_a_file_is_allowed_when_stdout_is_a_terminal(tmp_path: Path) -> None:
    small = tmp_path / "small.txt"
    small.write_bytes(b"short text\n" * 20)
    result, _ = _run_on_terminal(small)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "small.txt.sgl").exists()


def test_verbose_all_cores_prints_the_parallel_plan(tmp_path):
    from sigmalang.corpus import log_text

    src = tmp_path / "big.log"
    src.write_bytes(log_text(6 << 20))  # 2 MiB chunks: planned (4 MiB chunks always run on every core)
    result = subprocess.run(
        [sys.executable, "-m", "sigmalang.cli.main", "-T0", "-v", str(src)], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert "parallel plan (-T0)" in result.stderr
    assert "Measured" in result.stderr


def test_segment_size_long_and_ref_window_options_change_the_stream_and_round_trip(tmp_path):
    from sigmalang.corpus import log_text

    src = tmp_path / "data.log"
    src.write_bytes(log_text(3 << 20))
    outputs = []
    variants = (
        ["--chunk-size", "512K"],
        ["--chunk-size", "512K", "--segment-size", "1M"],
        ["--chunk-size", "512K", "--long"],
        ["--chunk-size", "512K", "--ref-window", "0"],
        ["--chunk-size", "512K", "--no-refs"],
        ["--chunk-size", "512K", "--refs"],
    )
    for extra in variants:
        out = tmp_path / f"out{len(outputs)}.sgl"
        result = subprocess.run([sys.executable, "-m", "sigmalang.cli.main", *extra, "-c", str(src)], capture_output=True, timeout=120)
        assert result.returncode == 0, result.stderr
        out.write_bytes(result.stdout)
        back = subprocess.run([sys.executable, "-m", "sigmalang.cli.main", "-dc", str(out)], capture_output=True, timeout=120)
        assert back.stdout == src.read_bytes()
        outputs.append(result.stdout)
    assert len(set(outputs[:5])) == 5
    assert outputs[5] == outputs[0]  # --refs is the default
    # The header's reference window: 128 MiB for copies, none, or two segments (priming only).
    assert (outputs[0][5], outputs[3][5], outputs[4][5]) == (27, 0, 24)
    bad = subprocess.run([sys.executable, "-m", "sigmalang.cli.main", "--segment-size", "100M", "-c", str(src)], capture_output=True, text=True)
    assert bad.returncode == 2 and "--segment-size" in bad.stderr and "at most 64M" in bad.stderr
    bad = subprocess.run([sys.executable, "-m", "sigmalang.cli.main", "--ref-window", "3M", "-c", str(src)], capture_output=True, text=True)
    assert bad.returncode == 2 and "--ref-window" in bad.stderr and "power of two" in bad.stderr


def test_decompress_to_stdout_redirected_to_a_file_keeps_what_is_already_there(tmp_path):
    from sigmalang.corpus import log_text

    data = log_text(3 << 20)
    src = tmp_path / "d.sgl"
    src.write_bytes(sigmalang.compress(data))
    target = tmp_path / "out.txt"
    with open(target, "wb") as out:
        out.write(b"prefix\n")
        out.flush()
        for _ in range(2):  # two runs into the same open file, one after the other
            result = subprocess.run([sys.executable, "-m", "sigmalang.cli.main", "-dc", str(src)], stdout=out, timeout=120)
            assert result.returncode == 0
    assert target.read_bytes() == b"prefix\n" + data + data
