"""gzip/zstd habits of the command line: -r, -l, --exclude-compressed, -M, inputs that are not
regular files, fsspec URLs, and ``info`` for scripts. Run as a user runs them (subprocesses),
except where fsspec's in-memory file system must be shared with the test (in-process)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
from pathlib import Path

import fsspec
import pytest

import sigmalang
from sigmalang.cli.main import main
from sigmalang.cli.memory import limits_for
from sigmalang.corpus import mixed

CLI = [sys.executable, "-m", "sigmalang.cli.main"]
OFFSET = re.compile(r"byte offset \d+")
SGL = b"\xce\xa3LG"


def run(*args: str | os.PathLike[str], cwd: Path, input: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    """The CLI in a subprocess whose stdout is a pipe (not a terminal) and stdin empty unless given."""
    env = {key: value for key, value in os.environ.items() if key != "COLUMNS"}
    return subprocess.run([*CLI, *map(str, args)], cwd=cwd, env=env, input=input, capture_output=True, timeout=120,
                          stdin=None if input is not None else subprocess.DEVNULL)


def names(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*")}


@pytest.fixture(scope="module")
def payload() -> bytes:
    return mixed(300_000, seed=11)


@pytest.fixture
def tree(tmp_path: Path, payload: bytes) -> Path:
    """top/{a.txt, done.sgl, sub/b.bin, sub/deeper/c.log}."""
    top = tmp_path / "top"
    (top / "sub" / "deeper").mkdir(parents=True)
    (top / "a.txt").write_bytes(payload[:100_000])
    (top / "done.sgl").write_bytes(sigmalang.compress(b"already"))
    (top / "sub" / "b.bin").write_bytes(payload)
    (top / "sub" / "deeper" / "c.log").write_bytes(payload[50_000:])
    return top


# -- -r ---------------------------------------------------------------------------
def test_recursive_compress_then_decompress(tree: Path, payload: bytes) -> None:
    result = run("-r", tree.name, cwd=tree.parent)
    assert result.returncode == 0, result.stderr
    assert names(tree) == {"a.txt", "a.txt.sgl", "done.sgl", "sub", "sub/b.bin", "sub/b.bin.sgl", "sub/deeper",
                           "sub/deeper/c.log", "sub/deeper/c.log.sgl"}
    assert sigmalang.decompress((tree / "sub" / "b.bin.sgl").read_bytes()) == payload
    for raw in ("a.txt", "sub/b.bin", "sub/deeper/c.log"):
        (tree / raw).unlink()
    result = run("-dr", "--rm", tree.name, cwd=tree.parent)
    assert result.returncode == 0, result.stderr
    assert names(tree) == {"a.txt", "done", "sub", "sub/b.bin", "sub/deeper", "sub/deeper/c.log"}
    assert (tree / "sub" / "b.bin").read_bytes() == payload
    assert (tree / "done").read_bytes() == b"already"


def test_recursive_verify_and_list_take_only_compressed_files(tree: Path) -> None:
    assert run("-r", "-q", tree, cwd=tree.parent).returncode == 0
    verified = run("-tr", tree, cwd=tree.parent)
    assert verified.returncode == 0, verified.stderr
    assert verified.stderr.decode().count(": OK") == 4
    listed = run("-lr", tree, cwd=tree.parent)
    assert listed.returncode == 0, listed.stderr
    lines = listed.stdout.decode().splitlines()
    assert [line.split()[-1] for line in lines[1:5]] == [str(tree / n) for n in
                                                         ("a.txt.sgl", "done.sgl", "sub/b.bin.sgl", "sub/deeper/c.log.sgl")]
    assert lines[-1].split()[-2:] == ["4", "files"]


def test_directory_without_r_is_skipped_with_a_hint(tree: Path) -> None:
    result = run(tree.name, cwd=tree.parent)
    assert result.returncode == 1
    assert b"top: is a directory -- ignored" in result.stderr and b"-r" in result.stderr


def test_recursive_with_output_file_is_a_usage_error(tree: Path) -> None:
    result = run("-r", "-o", "x.sgl", tree.name, cwd=tree.parent)
    assert result.returncode == 2 and b"-o" in result.stderr


def test_recursive_does_not_follow_a_directory_link(tree: Path) -> None:
    (tree / "loop").symlink_to(".")
    result = run("-r", "-f", tree.name, cwd=tree.parent)
    assert result.returncode == 1
    assert b"loop: is a symbolic link to a directory -- ignored" in result.stderr
    assert (tree / "sub" / "deeper" / "c.log.sgl").exists()  # the rest was done


def test_recursive_to_stdout_concatenates_streams(tree: Path, payload: bytes) -> None:
    result = run("-rc", tree / "sub", cwd=tree.parent)
    assert result.returncode == 0, result.stderr
    assert sigmalang.decompress(result.stdout) == payload + payload[50_000:]


# -- inputs that are not regular files ----------------------------------------------
def test_fifo_is_skipped_at_once_without_force(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe")
    result = run("pipe", cwd=tmp_path)  # would block forever waiting for a writer if opened
    assert result.returncode == 1
    assert b"pipe: is a FIFO" in result.stderr and b"-f" in result.stderr
    assert names(tmp_path) == {"pipe"}


def test_fifo_is_read_with_force(tmp_path: Path, payload: bytes) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)

    def feed() -> None:
        with open(fifo, "wb") as writer:
            writer.write(payload)

    writer = threading.Thread(target=feed)
    writer.start()
    result = run("-f", "pipe", cwd=tmp_path)
    writer.join(timeout=60)
    assert result.returncode == 0, result.stderr
    assert sigmalang.decompress((tmp_path / "pipe.sgl").read_bytes()) == payload


def test_symbolic_link_is_skipped_without_force_and_followed_with_it(tmp_path: Path, payload: bytes) -> None:
    (tmp_path / "real").write_bytes(payload)
    (tmp_path / "link").symlink_to("real")
    skipped = run("link", cwd=tmp_path)
    assert skipped.returncode == 1
    assert b"link: is a symbolic link -- ignored" in skipped.stderr
    assert names(tmp_path) == {"real", "link"}
    forced = run("-f", "--rm", "link", cwd=tmp_path)
    assert forced.returncode == 0, forced.stderr
    assert names(tmp_path) == {"real", "link.sgl"}  # --rm removed the link, not the file behind it
    assert (tmp_path / "real").read_bytes() == payload
    assert not (tmp_path / "link.sgl").is_symlink()
    assert sigmalang.decompress((tmp_path / "link.sgl").read_bytes()) == payload


def test_standard_input_is_still_the_way_to_read_a_pipe(payload: bytes, tmp_path: Path) -> None:
    result = run("-c", cwd=tmp_path, input=payload)
    assert result.returncode == 0 and sigmalang.decompress(result.stdout) == payload


def test_stdin_from_a_regular_file_with_no_file_argument(tmp_path: Path, payload: bytes) -> None:
    """As tar -I runs it for extraction: ``sigmalang -d`` with the archive as stdin, output a pipe."""
    (tmp_path / "x.sgl").write_bytes(sigmalang.compress(payload))
    with open(tmp_path / "x.sgl", "rb") as archive:
        result = subprocess.run([*CLI, "-d"], stdin=archive, capture_output=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout == payload


# -- --exclude-compressed ----------------------------------------------------------
def test_exclude_compressed_skips_compressed_suffixes(tmp_path: Path) -> None:
    for name in ("a.gz", "b.PNG", "c.tar.zst", "d.txt"):
        (tmp_path / name).write_bytes(b"x" * 1000)
    result = run("-v", "--exclude-compressed", "a.gz", "b.PNG", "c.tar.zst", "d.txt", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert names(tmp_path) == {"a.gz", "b.PNG", "c.tar.zst", "d.txt", "d.txt.sgl"}
    assert b"a.gz: already compressed (.gz) -- skipped" in result.stderr
    assert run("a.gz", cwd=tmp_path).returncode == 0  # without the option it is compressed
    assert (tmp_path / "a.gz.sgl").exists()


# -- -l -----------------------------------------------------------------------------
def test_list_one_line_per_file_and_a_total(tmp_path: Path, payload: bytes) -> None:
    (tmp_path / "one.sgl").write_bytes(sigmalang.compress(payload))
    (tmp_path / "two.sgl").write_bytes(sigmalang.compress(payload[:1000]) + sigmalang.compress(b"second stream"))
    result = run("-l", "one.sgl", "two.sgl", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    header, first, second, rule, total = result.stdout.decode().splitlines()
    assert header.split() == ["Streams", "Chunks", "Compressed", "Uncompressed", "Ratio", "Index", "Filename"]
    assert first.split()[0] == "1" and first.split()[-2:] == ["yes", "one.sgl"]
    assert second.split()[0] == "2" and second.split()[-1] == "two.sgl"
    ratio = len(payload) / (tmp_path / "one.sgl").stat().st_size
    assert first.split()[-3] == f"{ratio:.3f}"
    assert set(rule) == {"-"} and total.split()[0] == "3" and total.split()[-2:] == ["2", "files"]


def test_list_reads_standard_input(tmp_path: Path, payload: bytes) -> None:
    result = run("-l", cwd=tmp_path, input=sigmalang.compress(payload))
    assert result.returncode == 0, result.stderr
    assert result.stdout.decode().splitlines()[1].split()[-1] == "<stdin>"


# -- error messages name the file and the offset ------------------------------------
# -l and info read the glyphs, not the chunk data a flipped byte hides in (-t checks that): they see truncation.
@pytest.mark.parametrize(("command", "damage"), [
    *[(command, damage) for command in (["-d"], ["-t"]) for damage in ("flipped", "truncated")],
    *[(command, "truncated") for command in (["-l"], ["info"], ["info", "--json"])],
])
def test_damaged_file_message_names_file_and_offset(tmp_path: Path, payload: bytes, command: list[str], damage: str) -> None:
    blob = bytearray(sigmalang.compress(payload))
    if damage == "flipped":
        blob[len(blob) // 2] ^= 0x21
    else:
        del blob[len(blob) * 6 // 10 :]
    (tmp_path / "hurt.sgl").write_bytes(bytes(blob))
    (tmp_path / "fine.sgl").write_bytes(sigmalang.compress(b"fine"))
    result = run(*command, "hurt.sgl", "fine.sgl", cwd=tmp_path)
    assert result.returncode == 1
    message = result.stderr.decode()
    [line] = [line for line in message.splitlines() if line.startswith("sigmalang: hurt.sgl: ")]
    assert OFFSET.search(line), message
    assert "fine.sgl" not in message.replace("fine.sgl: OK", "") and "Traceback" not in message


# -- -M / --memory ------------------------------------------------------------------
def test_memory_limit_maps_onto_limits() -> None:
    limits = limits_for(8 << 20)
    assert (limits.max_window, limits.max_chunk_size, limits.max_dict_size) == (8 << 20,) * 3
    assert limits.max_glyph_size > limits.max_chunk_size
    assert limits_for(None) == sigmalang.Limits()


def test_memory_limit_refuses_a_larger_window_and_accepts_an_equal_one(tmp_path: Path, payload: bytes) -> None:
    (tmp_path / "w.sgl").write_bytes(sigmalang.compress(payload, references=False))  # declares a 16 MiB window
    refused = run("-d", "-M", "8M", "w.sgl", cwd=tmp_path)
    assert refused.returncode == 1
    message = refused.stderr.decode()
    assert "w.sgl: reference window of 16777216 bytes exceeds the limit of 8388608 bytes" in message
    assert OFFSET.search(message) and "-M" in message
    assert names(tmp_path) == {"w.sgl"}
    accepted = run("-d", "--memory=16M", "w.sgl", cwd=tmp_path)
    assert accepted.returncode == 0, accepted.stderr
    assert (tmp_path / "w").read_bytes() == payload


def test_memory_limit_refuses_larger_chunks(tmp_path: Path, payload: bytes) -> None:
    (tmp_path / "p").write_bytes(payload)
    assert run("--chunk-size", "256K", "--ref-window", "0", "p", cwd=tmp_path).returncode == 0
    refused = run("-t", "-M", "128K", "p.sgl", cwd=tmp_path)
    assert refused.returncode == 1
    assert b"chunk of 262144 raw bytes exceeds the limit of 131072 bytes" in refused.stderr
    assert run("-t", "-M", "256K", "p.sgl", cwd=tmp_path).returncode == 0
    assert run("-l", "-M", "128K", "p.sgl", cwd=tmp_path).returncode == 1


# -- info for scripts ---------------------------------------------------------------
def test_info_does_not_wrap_when_stdout_is_not_a_terminal(tmp_path: Path, payload: bytes) -> None:
    (tmp_path / "a-rather-long-file-name-for-the-line-to-be-long.sgl").write_bytes(sigmalang.compress(payload))
    result = run("info", "a-rather-long-file-name-for-the-line-to-be-long.sgl", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.decode().splitlines()
    assert any(line.startswith("  index: yes;") and line.endswith("bytes") for line in lines), lines
    assert any(len(line) > 80 for line in lines)
    assert b"\x1b[" not in result.stdout  # no terminal escapes in a pipe


def test_info_json_is_one_object_per_line(tmp_path: Path, payload: bytes) -> None:
    (tmp_path / "a.sgl").write_bytes(sigmalang.compress(payload))
    (tmp_path / "b.sgl").write_bytes(sigmalang.compress(b"b" * 5000))
    result = run("info", "--json", "a.sgl", "b.sgl", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    docs = [json.loads(line) for line in result.stdout.decode().splitlines()]
    assert [(d["file"], d["raw_size"]) for d in docs] == [("a.sgl", len(payload)), ("b.sgl", 5000)]


# -- fsspec URLs --------------------------------------------------------------------
def test_urls_in_memory_compress_decompress_and_rm(memory_dir: str, payload: bytes, capsys: pytest.CaptureFixture[str]) -> None:
    """In-process: fsspec's memory file system lives in this interpreter."""
    fs = fsspec.filesystem("memory")
    fs.pipe(f"{memory_dir}/data.bin", payload)
    assert main(["-q", "--rm", f"{memory_dir}/data.bin"]) == 0
    assert fs.ls(memory_dir, detail=False) == [f"{memory_dir.removeprefix('memory:/')}/data.bin.sgl"]
    assert sigmalang.decompress(fs.cat(f"{memory_dir}/data.bin.sgl")) == payload
    assert main(["-d", f"{memory_dir}/data.bin.sgl"]) == 0
    assert fs.cat(f"{memory_dir}/data.bin") == payload
    fs.pipe(f"{memory_dir}/data.bin", b"precious")
    assert main(["-d", f"{memory_dir}/data.bin.sgl"]) == 1  # refuses to overwrite without -f
    assert fs.cat(f"{memory_dir}/data.bin") == b"precious"
    assert "already exists" in capsys.readouterr().err
    assert main(["-l", f"{memory_dir}/data.bin.sgl"]) == 0
    assert capsys.readouterr().out.splitlines()[1].endswith(f"{memory_dir}/data.bin.sgl")


def test_url_decode_failure_leaves_no_output(memory_dir: str, payload: bytes, capsys: pytest.CaptureFixture[str]) -> None:
    fs = fsspec.filesystem("memory")
    fs.pipe(f"{memory_dir}/cut.sgl", sigmalang.compress(payload)[:-10])
    assert main(["-d", f"{memory_dir}/cut.sgl"]) == 1
    assert not fs.exists(f"{memory_dir}/cut")
    assert OFFSET.search(capsys.readouterr().err)


def test_missing_url_is_reported_like_a_missing_file(memory_dir: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["-d", f"{memory_dir}/none.sgl"]) == 1
    assert f"sigmalang: {memory_dir}/none.sgl: No such file or directory" in capsys.readouterr().err


def test_file_urls_are_local_paths(tmp_path: Path, payload: bytes) -> None:
    (tmp_path / "u.bin").write_bytes(payload)
    result = run((tmp_path / "u.bin").as_uri(), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert sigmalang.decompress((tmp_path / "u.bin.sgl").read_bytes()) == payload
    info = run("info", "--json", (tmp_path / "u.bin.sgl").as_uri(), cwd=tmp_path)
    assert json.loads(info.stdout)["raw_size"] == len(payload)
