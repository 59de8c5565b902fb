"""Failing workers: errors come back with their traceback, dead workers are noticed
quickly, and nothing is left running afterwards (threads counted with
threading.enumerate, child processes with psutil)."""

from __future__ import annotations

import io
import os
import signal
import threading
import time
import traceback
from concurrent.futures.process import BrokenProcessPool

import psutil
import pytest

import sigmalang
from sigmalang import FormatError, StreamingDecoder, StreamingEncoder
from sigmalang.codecs import chunk, policy
from sigmalang.corpus import mixed
from sigmalang.parallel import Plan, execute

DATA = mixed(3 << 20, seed=11)


def _threads() -> set[threading.Thread]:
    return set(threading.enumerate())


def _children() -> set[int]:
    return {p.pid for p in psutil.Process().children(recursive=True)}


def _running(pid: int) -> bool:
    """Whether the process lives and is not a zombie (it may end while we look)."""
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def _settles(before_threads: set[threading.Thread], before_children: set[int], timeout: float = 10.0) -> None:
    """Wait for the threads and processes started since ``before`` to end; fail if they do not."""
    deadline = time.monotonic() + timeout
    while True:
        extra_threads = [t for t in _threads() - before_threads if t.is_alive()]
        extra_children = [pid for pid in _children() - before_children if _running(pid)]
        if not extra_threads and not extra_children:
            return
        assert time.monotonic() < deadline, f"left running: {extra_threads} {extra_children}"
        time.sleep(0.05)


def _fail_on_13(x: int) -> int:
    if x == 13:
        raise ValueError(f"bad item {x}")
    return x


def _killed_on_5(x: int) -> int:
    if x == 5:
        os.kill(os.getpid(), signal.SIGKILL)
    time.sleep(0.01)
    return x


@pytest.mark.parametrize("backend", ["threads", "processes"])
def test_parallel_worker_error_reraises_and_leaves_nothing_running(backend):
    threads, children = _threads(), _children()
    with pytest.raises(ValueError, match="bad item 13") as info:
        execute(_fail_on_13, range(40), Plan(backend=backend, n_jobs=2, chunksize=2))
    text = "".join(traceback.format_exception(info.value)) + str(info.value.__cause__ or "")
    assert 'raise ValueError(f"bad item {x}")' in text  # the worker's own traceback
    _settles(threads, children)


def test_parallel_worker_killed_by_a_signal_raises_within_5_s_and_leaves_nothing_running():
    threads, children = _threads(), _children()
    started = time.monotonic()
    with pytest.raises(BrokenProcessPool):
        execute(_killed_on_5, range(200), Plan(backend="processes", n_jobs=2, chunksize=1))
    assert time.monotonic() - started < 5
    _settles(threads, children)


def test_encoder_worker_error_reraises_with_its_traceback_and_stops_every_thread(monkeypatch):
    calls = [0]
    encode = chunk.encode_chunk

    def fail_on_third(*args, **kwargs):
        calls[0] += 1
        if calls[0] == 3:
            raise RuntimeError("encoder worker failed on purpose")
        return encode(*args, **kwargs)

    monkeypatch.setattr(policy, "encode_chunk", fail_on_third)
    threads, children = _threads(), _children()
    for references in (False, True):
        calls[0] = 0
        with pytest.raises(RuntimeError, match="on purpose") as info:
            StreamingEncoder(threads=2, chunk_size=1 << 16, references=references).compress(DATA)
        assert "fail_on_third" in "".join(traceback.format_exception(info.value))
    _settles(threads, children)


def test_encoder_input_error_stops_every_thread(tmp_path):
    class FailingReader:
        def __init__(self) -> None:
            self.given = 0

        def readinto(self, buffer) -> int:
            if self.given > 1 << 20:
                raise OSError("the disk went away")
            n = min(len(buffer), 1 << 16)
            buffer[:n] = DATA[self.given : self.given + n]
            self.given += n
            return n

    threads, children = _threads(), _children()
    with open(tmp_path / "out", "wb") as out, pytest.raises(OSError, match="went away"):
        StreamingEncoder(threads=2, chunk_size=1 << 16).encode_stream(FailingReader(), out)
    _settles(threads, children)


def test_decoder_errors_and_abandoned_decoders_stop_every_thread():
    blob = sigmalang.compress(DATA, chunk_size=1 << 16)
    corrupt = bytearray(blob)
    corrupt[len(blob) // 2] ^= 0xFF
    threads, children = _threads(), _children()
    with pytest.raises(FormatError):
        sigmalang.decompress(bytes(corrupt), threads=2)
    decoder = StreamingDecoder(2)
    with pytest.raises(FormatError):
        for _ in decoder.feed(bytes(corrupt)):
            pass
        for _ in decoder.flush():
            pass
    decoder.close()
    abandoned = StreamingDecoder(2)
    list(abandoned.feed(blob))
    next(iter(abandoned.flush()))  # a reader that stops after one more chunk
    abandoned.close()
    with sigmalang.open(io.BytesIO(bytes(corrupt)), threads=2) as f, pytest.raises(FormatError):
        f.read()
    _settles(threads, children)
