"""Which stage of encoding or decoding a profiler sample belongs to.

A sample is a stack of frames, each written ``function (file)`` as py-spy
prints them (Python and native frames alike). A frame that an ``ENCLOSING``
pattern matches claims the whole stack, whatever runs inside it (starting a
thread waits for it; an import runs module code). Otherwise the innermost
frame that one of the ``STAGES`` patterns matches decides (the first pattern
in the table, when several match that frame); frames no pattern matches (libc
addresses, memcpy, malloc, the interpreter's own) pass their time on to their
caller. So zstd's own memcpy counts as zstd, and a numpy call inside the
detector as detection. A stack no frame of which matches counts as "other":
nothing is dropped.

Edit the table when modules move or functions are renamed: patterns match
module paths and function names, and time they no longer catch shows up under
"sigmalang, other Python" or "other" (``stages.py`` prints the frames behind
"other").
"""

from __future__ import annotations

import re

OTHER = "other"

#: (stage, pattern), matched with re.search against "function (file)": stages that
#: claim a stack wherever their frame is in it (the outermost such frame decides).
ENCLOSING: list[tuple[str, str]] = [
    ("imports on first use", r"^_find_and_load "),
    ("starting threads", r"^Thread\.start "),
]
#: (stage, pattern), as above: the innermost frame that matches decides.
STAGES: list[tuple[str, str]] = [
    # CPython takes the GIL back through a timed condition wait (take_gil, inlined).
    ("GIL wait", r"^(pthread_cond_timedwait|take_gil|PyEval_RestoreThread|PyEval_AcquireThread) "),
    ("idle: worker with no work", r"^_queue_SimpleQueue_get"),
    ("ordering/waiting", r"^(Condition\.wait|Future\.result|Event\.wait|Thread\.join|lock_PyThread_acquire_lock) "
                         r"|sigmalang/stream/(pipeline|segments)\.py|concurrent/futures/|/threading\.py"),
    ("reading", r"^(os_pread\w*|pread\w*|preadv\w*|read) \(|^\S*(readinto|read_chunks|PositionalChunk\.\w+) \(.*sigmalang/"
                r"|sigmalang/stream/reader\.py"),
    ("detection", r"sigmalang/codecs/detect\.py|^ChunkPolicy\.detect "),
    ("reference lookups", r"sigmalang/codecs/(blocks|longrange)\.py|_cutter|_matcher|sigmalang/stream/matching\.py"),
    ("transforms", r"sigmalang/codecs/(delta|transforms|decimal|records)\.py"),
    ("zstd", r"^(ZSTD_|ZSTDMT_|HUF_|FSE_|HIST_|BIT_|Zstd)|/c-ext/|zstandard/"),
    ("checksums", r"^(checksum|data_digest|_verify|_check_data|xxh3_64\w*) "),
    ("copies", r"^(PyBytes_\w+|_PyBytes_\w+|bytes_\w+|memoryview_tobytes|memory_tobytes|bytearray_\w+|PyByteArray_\w+"
               r"|_io__BytesIO_\w+|_io_BytesIO_\w+|_PyBytesWriter_\w+) "
               r"|sigmalang/codecs/(raw|reference)\.py|PendingReference\.|HistoryRing\.|OutputHistory\."),
    ("parsing glyphs", r"sigmalang/format/parser\.py|^(read_file_index|_walk_streams|read_stream_indexes) "),
    ("writing (glyphs, output)", r"^(os_pwrite\w*|pwrite\w*|write) \(|sigmalang/format/(glyphs|index|varint)\.py"
                                 r"|sigmalang/stream/writer\.py|FrameWriter\._write_chunk |\._?write_at "),
    ("sigmalang, other Python", r"sigmalang/"),
]
_ENCLOSING = [(stage, re.compile(pattern)) for stage, pattern in ENCLOSING]
_COMPILED = [(stage, re.compile(pattern)) for stage, pattern in STAGES]
STAGE_NAMES = [stage for stage, _ in STAGES + ENCLOSING] + [OTHER]
#: Stages in which a thread does no work of its own.
WAITING = {"GIL wait", "idle: worker with no work", "ordering/waiting"}


def _match(rules: list[tuple[str, re.Pattern[str]]], frame: str) -> str | None:
    return next((stage for stage, pattern in rules if pattern.search(frame)), None)


def classify(frames: list[str]) -> tuple[str, str]:
    """The stage of a stack given outermost frame first, and the frame that decided
    (for "other", the innermost named frame: what to add to the table)."""
    for frame in frames:
        stage = _match(_ENCLOSING, frame)
        if stage is not None:
            return stage, frame
    for frame in reversed(frames):
        stage = _match(_COMPILED, frame)
        if stage is not None:
            return stage, frame
    named = next((f for f in reversed(frames) if not f.startswith("0x")), frames[-1] if frames else "")
    return OTHER, named
