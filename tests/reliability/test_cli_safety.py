"""The command line when the run goes wrong: signals, a full disk, a closed pipe, a terminal.

Real subprocesses and real signals; a full disk both on a small tmpfs (where
the test may mount one) and through a writer that fails like one.
"""

from __future__ import annotations

import errno
import os
import pty
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import sigmalang
from sigmalang.cli import atomic, main as cli_main
from sigmalang.corpus import mixed

CLI = [sys.executable, "-m", "sigmalang.cli.main"]


def _wait_for(predicate, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def _temporaries(folder: Path) -> list[str]:
    return [p.name for p in folder.iterdir() if p.name.endswith(".tmp")]


@pytest.mark.parametrize("sig, status", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
@pytest.mark.parametrize("decompressing", [False, True])
def test_a_signal_mid_run_leaves_no_partial_output(tmp_path, sig, status, decompressing):
    data = mixed(3 << 20, seed=3)
    feed = sigmalang.compress(data, chunk_size=1 << 16) if decompressing else data
    target = tmp_path / "out"
    args = [*CLI, *(["-d"] if decompressing else []), "-o", str(target), "-"]
    # As from a terminal: SIGINT handled even when these tests run where it is ignored
    # (a background job of a shell without job control), which children would inherit.
    restore = lambda: signal.signal(signal.SIGINT, signal.SIG_DFL)  # noqa: E731
    proc = subprocess.Popen(args, stdin=subprocess.PIPE, stderr=subprocess.PIPE, preexec_fn=restore)
    try:
        proc.stdin.write(feed[: len(feed) // 2])  # the rest never comes: the run is mid-way
        proc.stdin.flush()
        _wait_for(lambda: _temporaries(tmp_path))  # its output file is being written
        time.sleep(0.3)
        proc.send_signal(sig)
        assert proc.wait(timeout=30) == status
    finally:
        proc.kill()
        proc.stdin.close()
    assert "interrupted" in proc.stderr.read().decode()
    assert list(tmp_path.iterdir()) == []  # neither the target nor a temporary file


def _fail_like_a_full_disk(monkeypatch, after: int) -> None:
    """Output files accept ``after`` bytes, then fail with ENOSPC: written in order
    through the file object, or in place with ``os.pwrite`` (decoding to a file)."""
    enter = atomic.AtomicOutput.__enter__
    pwrite = os.pwrite
    written = [0]

    def count(n: int) -> None:
        written[0] += n
        if written[0] > after:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    def full_enter(self):
        f = enter(self)
        write = f.write

        def limited(data):
            count(len(data))
            return write(data)

        f.write = limited
        return f

    def limited_pwrite(fd, data, offset):
        count(len(data))
        return pwrite(fd, data, offset)

    monkeypatch.setattr(atomic.AtomicOutput, "__enter__", full_enter)
    monkeypatch.setattr(os, "pwrite", limited_pwrite)


@pytest.mark.parametrize("decompressing", [False, True])
def test_a_full_disk_keeps_the_input_and_says_so(tmp_path, monkeypatch, capsys, decompressing):
    data = mixed(1 << 20, seed=4)
    source = tmp_path / ("in.sgl" if decompressing else "in")
    source.write_bytes(sigmalang.compress(data) if decompressing else data)
    kept = source.read_bytes()
    _fail_like_a_full_disk(monkeypatch, after=1000)
    assert cli_main.main([*(["-d"] if decompressing else []), "--rm", "-T1", str(source)]) == 1
    assert "no space left on the device" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == [source.name]
    assert source.read_bytes() == kept


@pytest.fixture
def small_filesystem(tmp_path):
    """A 1 MiB tmpfs, where this process may mount one (root on Linux)."""
    mount = tmp_path / "small"
    mount.mkdir()
    result = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount)], capture_output=True)
    if result.returncode != 0:
        pytest.skip("cannot mount a tmpfs here")
    yield mount
    subprocess.run(["umount", str(mount)], check=False)


def test_a_really_full_disk(tmp_path, small_filesystem):
    source = tmp_path / "random"
    source.write_bytes(os.urandom(3 << 20))  # incompressible: the output cannot fit in 1 MiB
    result = subprocess.run([*CLI, "--rm", "-o", str(small_filesystem / "out.sgl"), str(source)], capture_output=True, text=True)
    assert result.returncode == 1
    assert "no space left on the device" in result.stderr and "Traceback" not in result.stderr
    assert source.exists() and list(small_filesystem.iterdir()) == []


def test_rm_removes_the_source_only_after_the_output_and_its_folder_are_synced(tmp_path, monkeypatch):
    events: list[str] = []
    fsync, unlink = os.fsync, os.unlink

    def record_fsync(fd):
        events.append("fsync folder" if os.path.isdir(f"/proc/self/fd/{fd}") else "fsync file")
        return fsync(fd)

    def record_unlink(path, *a, **kw):
        events.append(f"unlink {Path(path).name}")
        return unlink(path, *a, **kw)

    source = tmp_path / "data"
    source.write_bytes(b"some data " * 1000)
    monkeypatch.setattr(os, "fsync", record_fsync)
    monkeypatch.setattr(os, "unlink", record_unlink)
    monkeypatch.setattr(atomic.os, "fsync", record_fsync)
    assert cli_main.main(["--rm", str(source)]) == 0
    assert events.index("fsync file") < events.index("fsync folder") < events.index("unlink data")
    assert sigmalang.decompress((tmp_path / "data.sgl").read_bytes()) == b"some data " * 1000


def test_a_closed_stdout_ends_quietly(tmp_path):
    packed = tmp_path / "big.sgl"
    packed.write_bytes(sigmalang.compress(mixed(8 << 20, seed=5)))
    proc = subprocess.Popen([*CLI, "-dc", str(packed)], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout.read(1)  # like `| head -c1`
    proc.stdout.close()
    proc.wait(timeout=60)
    assert proc.stderr.read() == b""
    assert proc.returncode in (0, 1)


def _run_on_a_terminal(args: list[str], stdin_tty: bool) -> tuple[int, str]:
    leader, follower = pty.openpty()
    try:
        proc = subprocess.run(
            [*CLI, *args],
            stdin=follower if stdin_tty else subprocess.DEVNULL,
            stdout=subprocess.PIPE if stdin_tty else follower,
            stderr=subprocess.PIPE,
            timeout=60,
        )
    finally:
        os.close(leader)
        os.close(follower)
    return proc.returncode, proc.stderr.decode()


@pytest.mark.parametrize("args", [["-d"], ["-t"], ["-d", "-"]])
def test_decompressing_from_a_terminal_refuses_instead_of_waiting(args):
    status, err = _run_on_a_terminal(args, stdin_tty=True)
    assert status == 1 and "stdin is a console, aborting" in err


def test_compressing_to_a_terminal_is_refused_without_force(tmp_path):
    source = tmp_path / "x"
    source.write_bytes(b"abc")
    status, err = _run_on_a_terminal(["-c", str(source)], stdin_tty=False)
    assert status == 1 and "refusing to write compressed data to a terminal" in err
