"""Describe a sigmalang file from its glyphs alone, without decoding any chunk."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import BinaryIO

from .constants import Strategy
from .limits import DEFAULT_LIMITS, Limits
from .parser import ChunkGlyph, DictGlyph, GlyphParser, StreamEnd, StreamStart

_READ_SIZE = 1 << 20


@dataclass
class StrategyUse:
    chunks: int = 0
    raw_bytes: int = 0
    encoded_bytes: int = 0

    @property
    def ratio(self) -> float:
        return self.raw_bytes / self.encoded_bytes if self.encoded_bytes else 0.0


@dataclass
class StreamInfo:
    """What ``sigmalang info`` reports: structure, sizes and strategies of a file."""

    compressed_size: int = 0
    raw_size: int = 0
    streams: int = 0
    chunks: int = 0
    dictionaries: int = 0
    indexed_streams: int = 0
    largest_chunk: int = 0
    reference_window: int = 0  # largest declared by a stream: what a streaming decoder keeps
    strategies: dict[str, StrategyUse] = field(default_factory=dict)

    @property
    def ratio(self) -> float:
        return self.raw_size / self.compressed_size if self.compressed_size else 0.0

    @property
    def overhead_bytes(self) -> int:
        """Bytes spent on headers, glyph framing, INDEX and END (everything but chunk data)."""
        return self.compressed_size - sum(use.encoded_bytes for use in self.strategies.values())

    def as_dict(self) -> dict[str, object]:
        return {
            "compressed_size": self.compressed_size,
            "raw_size": self.raw_size,
            "ratio": round(self.ratio, 4),
            "streams": self.streams,
            "chunks": self.chunks,
            "dictionaries": self.dictionaries,
            "indexed_streams": self.indexed_streams,
            "largest_chunk": self.largest_chunk,
            "reference_window": self.reference_window,
            "overhead_bytes": self.overhead_bytes,
            "strategies": {
                name: {"chunks": u.chunks, "raw_bytes": u.raw_bytes, "encoded_bytes": u.encoded_bytes, "ratio": round(u.ratio, 4)}
                for name, u in self.strategies.items()
            },
        }


def inspect_stream(fp: BinaryIO, limits: Limits = DEFAULT_LIMITS) -> StreamInfo:
    """Walk every glyph of ``fp`` (checking structure, INDEX and END) and summarise it.

    Chunk data is not decoded, so chunk checksums are not verified here; use
    ``verify`` for that.
    """
    parser = GlyphParser(limits)
    info = StreamInfo()
    while True:
        data = fp.read(_READ_SIZE)
        if data:
            parser.push(data)
            info.compressed_size += len(data)
        for event in parser.events():
            if isinstance(event, ChunkGlyph):
                name = _strategy_name(event.strategy)
                use = info.strategies.setdefault(name, StrategyUse())
                use.chunks += 1
                use.raw_bytes += event.raw_length
                use.encoded_bytes += len(event.data)
                info.chunks += 1
                info.raw_size += event.raw_length
                info.largest_chunk = max(info.largest_chunk, event.raw_length)
            elif isinstance(event, DictGlyph):
                info.dictionaries += 1
            elif isinstance(event, StreamStart):
                info.streams += 1
                info.reference_window = max(info.reference_window, event.window)
            elif isinstance(event, StreamEnd):
                if event.indexed:
                    info.indexed_streams += 1
        if not data:
            parser.finish()
            break
    return info


def chunk_glyphs(data: bytes) -> list[ChunkGlyph]:
    """The CHUNK glyphs of complete streams held in memory, in order (data not decoded)."""
    parser = GlyphParser()
    parser.push(data)
    chunks = [event for event in parser.events() if isinstance(event, ChunkGlyph)]
    parser.finish()
    return chunks


def _strategy_name(strategy: int) -> str:
    try:
        return Strategy(strategy).name
    except ValueError:
        return f"unknown({strategy})"
