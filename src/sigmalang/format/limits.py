"""Decoder limits: the most a stream may make a decoder allocate."""

from __future__ import annotations

from dataclasses import dataclass

from .constants import DEFAULT_MAX_CHUNK_SIZE, DEFAULT_MAX_DICT_SIZE, DEFAULT_MAX_GLYPH_SIZE, DEFAULT_MAX_WINDOW


@dataclass(frozen=True)
class Limits:
    """Sizes a decoder accepts; checked against declared lengths before allocation.

    The defaults accept every stream the encoder writes with its largest chunk
    size; raise them only for streams written with a larger ``chunk_size``.
    """

    max_chunk_size: int = DEFAULT_MAX_CHUNK_SIZE
    max_glyph_size: int = DEFAULT_MAX_GLYPH_SIZE
    max_dict_size: int = DEFAULT_MAX_DICT_SIZE
    max_window: int = DEFAULT_MAX_WINDOW  # reference window (output kept for REFERENCE copies)

    def __post_init__(self) -> None:
        for name in ("max_chunk_size", "max_glyph_size", "max_dict_size", "max_window"):
            value = getattr(self, name)
            if not isinstance(value, int) or value <= 0:
                raise ValueError(f"{name} must be a positive integer, got {value!r}")


DEFAULT_LIMITS = Limits()
