"""KindDetector: what kind of data a chunk holds, from a small sample, in well under 1 ms.

All features come from one pass of numpy over a sample of the chunk (a few
slices spread over it): the byte histogram and its entropy, the share of text
bytes, per-line delimiter counts, per-column entropies at element widths 2/4/8
(numeric arrays have near-constant high-order bytes), the share of distinct
8-byte words (repetition), and known magic numbers of compressed formats.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from ..buffers import Buffer


class DataKind(str, enum.Enum):
    TEXT = "text"
    STRUCTURED = "structured"  # JSON / NDJSON / CSV / TSV / XML-like
    NUMERIC = "numeric"  # arrays of fixed-width numbers
    BINARY = "binary"  # executables, mixed binary
    INCOMPRESSIBLE = "incompressible"  # compressed, encrypted, random
    REPETITIVE = "repetitive"  # few distinct patterns (zeros, repeated records)


#: Magic numbers of compressed or encrypted containers (checked at the chunk start).
COMPRESSED_MAGICS: dict[bytes, str] = {
    b"\x1f\x8b": "gzip",
    b"\x28\xb5\x2f\xfd": "zstd",
    b"\xce\xa3\x4c\x47": "sigmalang",
    b"\x89PNG\r\n\x1a\n": "png",
    b"PK\x03\x04": "zip",
    b"\xfd7zXZ\x00": "xz",
    b"BZh": "bzip2",
    b"\xff\xd8\xff": "jpeg",
    b"7z\xbc\xaf\x27\x1c": "7z",
    b"\x04\x22\x4d\x18": "lz4",
    b"GIF8": "gif",
    b"RIFF": "riff",
    b"OggS": "ogg",
    b"fLaC": "flac",
    b"%PDF": "pdf",
}

#: Executable formats: binary whatever their tables look like.
EXECUTABLE_MAGICS: dict[bytes, str] = {
    b"\x7fELF": "elf",
    b"MZ": "pe",
    b"\xcf\xfa\xed\xfe": "mach-o",
    b"\xca\xfe\xba\xbe": "mach-o-fat",
    b"\x00asm": "wasm",
}

_TEXT_BYTES = np.zeros(256, dtype=bool)
_TEXT_BYTES[[9, 10, 13]] = True
_TEXT_BYTES[32:127] = True
_HIGH_BYTES = np.zeros(256, dtype=bool)
_HIGH_BYTES[128:] = True


@dataclass(frozen=True)
class Features:
    """Measurements a detection is based on (all from the sample)."""

    sample_size: int
    entropy: float  # bits per byte, 0..8
    text_share: float  # printable ASCII + tab/newline
    high_share: float  # bytes >= 0x80 (UTF-8 continuation or binary)
    zero_share: float
    utf8_valid: bool
    distinct_words: float  # distinct aligned 8-byte words / words
    lines: int
    mean_line_length: float
    delimiter: str  # "," "\t" ";" "|" or ""
    delimiter_cv: float  # coefficient of variation of delimiter count per line
    delimiters_per_line: float
    json_share: float  # lines starting (after spaces) with { or [
    markup_share: float  # lines starting (after spaces) with <
    json_pairs_per_line: float  # occurrences of '":' per line
    numeric_width: int  # best element width by column entropies (0: none)
    column_entropy_spread: float  # max - min column entropy at that width
    column_entropies: tuple[float, ...] = ()
    top_column_small: float = 0.0  # share of 0x00-0x0F/0xF0-0xFF in the top byte column (ints)
    magic: str = ""
    float64_share: float = 0.0  # nonzero aligned 8-byte words that read as float64 of ordinary size (NaN too)


@dataclass(frozen=True)
class Detection:
    kind: DataKind
    confidence: float  # 0..1
    features: Features
    subtype: str = ""  # json/ndjson/csv/tsv/xml, int32/float64/..., gzip/png/...
    width: int = 0  # element width for numeric data
    notes: tuple[str, ...] = field(default_factory=tuple)


class KindDetector:
    """Classify chunks. ``sample_size`` bytes are read as ``slices`` slices spread over the chunk."""

    def __init__(self, sample_size: int = 32 * 1024, slices: int = 4) -> None:
        if sample_size < 64 or slices < 1:
            raise ValueError(f"sample_size must be >= 64 and slices >= 1, got {sample_size}, {slices}")
        self.sample_size = sample_size
        self.slices = slices
        self._column_offsets = (np.arange(sample_size, dtype=np.int32) & 7) * 256

    # -- sampling --------------------------------------------------------------
    def spans(self, size: int) -> list[tuple[int, int]]:
        """(offset, length) of the slices sampled from ``size`` bytes: all of them
        when they fit the sample, else ``slices`` slices spread over them."""
        if size <= self.sample_size:
            return [(0, size)]
        # Slices start at multiples of 8 so element columns stay aligned.
        part = (self.sample_size // self.slices) & ~7
        last = max(1, self.slices - 1)
        return [((i * (size - part) // last) & ~7, part) for i in range(self.slices)]

    def sample(self, data: Buffer) -> np.ndarray:
        view = np.frombuffer(data, dtype=np.uint8)
        spans = self.spans(view.size)
        if len(spans) == 1:
            return view
        return np.concatenate([view[start : start + length] for start, length in spans])

    # -- features --------------------------------------------------------------
    def features(self, data: Buffer) -> Features:
        return self._features(bytes(memoryview(data)[:8]), self.sample(data))

    def _features(self, head: bytes, s: np.ndarray) -> Features:
        magic = next((name for sig, name in _ALL_MAGICS if head.startswith(sig)), "")
        n = int(s.size)
        if n == 0:
            return Features(0, 0.0, 0.0, 0.0, 0.0, True, 0.0, 0, 0.0, "", 0.0, 0.0, 0.0, 0.0, 0.0, 0, 0.0, (), 0.0, magic)
        even = n & ~7
        # One bincount gives the histogram of each of the 8 byte columns.
        columns = np.bincount(self._column_offsets[:even] + s[:even], minlength=2048).reshape(8, 256)
        histogram = columns.sum(axis=0)
        if even < n:
            histogram = histogram + np.bincount(s[even:], minlength=256)
        entropy = float(_entropies(histogram[None, :])[0])
        text_share = float(histogram[_TEXT_BYTES].sum() / n)
        high_share = float(histogram[_HIGH_BYTES].sum() / n)
        zero_share = float(histogram[0] / n)
        utf8_valid = self._utf8_valid(s) if text_share + high_share > 0.97 else False
        words = np.sort(s[: min(even, 8192)].view(np.uint64))
        distinct = float((np.count_nonzero(np.diff(words)) + 1) / words.size) if words.size else 1.0
        column_entropies = _entropies(columns) if even >= 64 else np.zeros(8)
        width, spread, small_top = _element_width(columns, column_entropies)
        lines = _line_features(s, text_share)
        return Features(
            n, entropy, text_share, high_share, zero_share, utf8_valid, distinct, *lines,
            width, spread, tuple(round(float(e), 3) for e in column_entropies), small_top, magic, _float64_share(words),
        )

    @staticmethod
    def _utf8_valid(s: np.ndarray) -> bool:
        raw = s.tobytes()
        # Slices may cut a multi-byte character at their ends: allow a few bytes of slack.
        try:
            raw[4:-4].decode("utf-8")
            return True
        except UnicodeDecodeError as exc:
            return exc.start >= len(raw) - 12

    # -- decision --------------------------------------------------------------
    def detect(self, data: Buffer) -> Detection:
        return self.classify(self.features(data))

    def detect_from(self, size: int, read: Callable[[int, int], Buffer]) -> Detection:
        """The detection of ``size`` bytes that are not in memory: ``read(offset, length)``
        fetches only the sampled slices (the same ones ``detect`` would look at)."""
        parts = [read(start, length) for start, length in self.spans(size)]
        sample = np.frombuffer(b"".join(parts), dtype=np.uint8)
        head = bytes(memoryview(parts[0])[:8]) if parts and parts[0] else b""
        return self.classify(self._features(head, sample))

    def classify(self, f: Features) -> Detection:
        if f.sample_size == 0:
            return Detection(DataKind.REPETITIVE, 1.0, f, "empty")
        if f.magic in EXECUTABLE_MAGICS.values():
            return Detection(DataKind.BINARY, 0.9, f, f.magic)
        if f.magic and f.magic != "riff" and f.entropy > 7.0:
            return Detection(DataKind.INCOMPRESSIBLE, 0.95, f, f.magic)
        random_limit = 8.0 - 64 * 8 / max(f.sample_size, 1)  # allowance for sampling noise
        if f.entropy >= min(7.9, random_limit) and f.sample_size >= 1024:
            return Detection(DataKind.INCOMPRESSIBLE, min(1.0, (f.entropy - 7.5) * 2), f, f.magic or "high-entropy")
        if f.distinct_words < 0.05 or f.entropy < 1.0:
            return Detection(DataKind.REPETITIVE, 1.0 - f.distinct_words, f)
        if f.text_share >= 0.95 or (f.utf8_valid and f.text_share + f.high_share >= 0.99):
            return _text_kind(f)
        # Without a period shorter than 8 bytes, only a strong structure counts
        # (tables inside executables have some, but are not number arrays).
        needed = 2.0 if f.numeric_width in (2, 4) else 4.5
        if f.numeric_width and f.column_entropy_spread >= needed and f.text_share < 0.9:
            kind = "int" if f.top_column_small >= 0.5 else "float"
            confidence = min(1.0, f.column_entropy_spread / 5)
            return Detection(DataKind.NUMERIC, confidence, f, f"{kind}{f.numeric_width * 8}", f.numeric_width)
        if f.float64_share >= 0.9 and f.text_share < 0.9:
            # A table of float64 whose values repeat (few distinct prices, codes, levels)
            # has no column structure strong enough for the test above, and it is
            # still numbers: the selector's trial decides what pays.
            return Detection(DataKind.NUMERIC, f.float64_share, f, "float64", 8, ("float64 by magnitude",))
        if f.distinct_words < 0.2:
            return Detection(DataKind.REPETITIVE, 0.6, f)
        return Detection(DataKind.BINARY, 0.6 if f.zero_share > 0.05 else 0.5, f, f.magic)


_ALL_MAGICS = tuple(COMPRESSED_MAGICS.items()) + tuple(EXECUTABLE_MAGICS.items())


#: Exponent fields of float64 magnitudes 2**-100 .. 2**100, and of NaN and infinities.
_FLOAT64_LOW, _FLOAT64_HIGH, _FLOAT64_SPECIAL = 1023 - 100, 1023 + 100, 0x7FF


def _float64_share(words: np.ndarray) -> float:
    """Share of the nonzero words (when at least a quarter are) whose float64 exponent is
    of ordinary size or marks NaN: nearly all in a float64 array, about a tenth in
    random bytes, none in text (its top byte puts the exponent far out)."""
    magnitude = words & np.uint64(0x7FFFFFFFFFFFFFFF)
    nonzero = np.count_nonzero(magnitude)
    if nonzero * 4 < max(words.size, 1):
        return 0.0
    exponent = magnitude >> np.uint64(52)
    ordinary = (exponent >= _FLOAT64_LOW) & (exponent <= _FLOAT64_HIGH) | (exponent == _FLOAT64_SPECIAL)
    return float(np.count_nonzero(ordinary) / nonzero)


def _entropies(histograms: np.ndarray) -> np.ndarray:
    """Shannon entropy (bits) of each row of a histogram matrix."""
    totals = histograms.sum(axis=1, keepdims=True).astype(np.float64)
    p = histograms / np.maximum(totals, 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(p > 0, p * np.log2(p), 0.0)
    return np.maximum(0.0, -terms.sum(axis=1))


def _element_width(columns: np.ndarray, entropies: np.ndarray) -> tuple[int, float, float]:
    """Smallest period (2, 4 or 8) of the byte-column entropies, their spread, and
    the share of "small" bytes (0x00-0x0F, 0xF0-0xFF) in the most significant column.

    Arrays of numbers repeat their column structure every element: for int32
    counters the entropies read high, high, low, zero, high, high, low, zero.
    """
    spread = float(entropies.max() - entropies.min())
    if spread < 1.0:
        return 0, spread, 0.0
    width = 8
    for w in (2, 4):
        if np.all(np.abs(entropies[:-w] - entropies[w:]) < 0.35):
            width = w
            break
    top = columns[width - 1 :: width].sum(axis=0)  # little-endian: most significant byte
    small = float((top[:16].sum() + top[240:].sum()) / max(1, top.sum()))
    return width, spread, small


def _line_features(s: np.ndarray, text_share: float) -> tuple[int, float, str, float, float, float, float, float]:
    """Lines, mean line length, best delimiter with its per-line CV and mean,
    JSON and markup shares, and JSON key/value pairs per line."""
    if text_share < 0.8:
        return 0, 0.0, "", 0.0, 0.0, 0.0, 0.0, 0.0
    s = s[:16384]
    newlines = np.flatnonzero(s == 10)
    lines = int(newlines.size)
    if lines < 3:
        return lines, float(s.size), "", 0.0, 0.0, 0.0, 0.0, 0.0
    mean_len = float(s.size / lines)
    best_delim, best_cv, best_mean = "", 0.0, 0.0
    line_of = np.cumsum(s == 10, dtype=np.int32)  # line number of every byte
    for delim in (",", "\t", ";", "|"):
        # Delimiters per complete line (the partial lines at both ends left out).
        per_line = np.bincount(line_of[s == ord(delim)], minlength=lines + 1)[1:lines]
        mean = float(per_line.mean())
        if mean < 1:
            continue
        cv = float(per_line.std() / mean)
        if not best_delim or cv < best_cv:
            best_delim, best_cv, best_mean = delim, cv, mean
    firsts = _first_non_space(s, newlines[:-1] + 1)
    json_share = float(np.isin(firsts, _JSON_STARTS).mean())
    markup_share = float((firsts == ord("<")).mean())
    pairs = int(np.count_nonzero((s[:-1] == ord('"')) & (s[1:] == ord(":"))))
    return lines, mean_len, best_delim, best_cv, best_mean, json_share, markup_share, pairs / lines


_JSON_STARTS = np.frombuffer(b'{}[]"', dtype=np.uint8)


def _text_kind(f: Features) -> Detection:
    if f.json_share >= 0.8 or (f.json_share >= 0.5 and f.json_pairs_per_line >= 0.2):
        subtype = "ndjson" if f.json_share >= 0.95 and f.mean_line_length > 30 else "json"
        return Detection(DataKind.STRUCTURED, f.json_share, f, subtype)
    if f.markup_share >= 0.6:
        return Detection(DataKind.STRUCTURED, f.markup_share, f, "xml")
    if f.delimiter and f.delimiters_per_line >= 0.9 and f.delimiter_cv < 0.25:
        subtype = {"\t": "tsv", ",": "csv"}.get(f.delimiter, "delimited")
        return Detection(DataKind.STRUCTURED, max(0.5, 1 - f.delimiter_cv * 2), f, subtype)
    return Detection(DataKind.TEXT, min(1.0, f.text_share), f, "utf-8" if f.high_share else "ascii")


def _first_non_space(s: np.ndarray, starts: np.ndarray, look: int = 16) -> np.ndarray:
    """First byte of each line that is not a space or tab (within ``look`` bytes)."""
    idx = np.minimum(starts[:, None] + np.arange(look)[None, :], s.size - 1)
    window = s[idx]
    blank = (window == 32) | (window == 9)
    first = np.argmin(blank, axis=1)
    return window[np.arange(window.shape[0]), first]
