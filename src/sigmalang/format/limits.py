"""Decoder limits: the most a stream may make a decoder allocate."""

from __future__ import annotations

from dataclasses import dataclass

from .constants import DEFAULT_MAX_CHUNK_SIZE, DEFAULT_MAX_DICT_SIZE, DEFAULT_MAX_GLYPH_SIZE, DEFAULT_MAX_WINDOW


@dataclass(frozen=True)
class Limits:
    """Sizes a decoder accepts; checked against declared lengths before allocation.

    A stream that declares more raises :class:`~sigmalang.LimitError` naming the
    offset of the size field, before anything is allocated for it; one that
    declares less than its data expands to is refused when the declared size is
    reached (decoding never writes past it). Defaults:

    - ``max_chunk_size`` 64 MiB: a CHUNK's raw length (the encoder writes at most
      64 MiB, 4 MiB by default);
    - ``max_glyph_size`` 64 MiB + 64 KiB: any glyph's length but END's;
    - ``max_dict_size`` 4 MiB: a DICT's content and a PRIMED segment's dictionary;
    - ``max_window`` 1 GiB: the reference window a stream header declares, which a
      streaming decoder keeps as history (up to the stream's output so far).

    Besides these, zstd frames may not declare windows above 64 MiB. The most a
    decoder holds is about ``max_window`` plus, per chunk in flight (64 at most),
    ``max_chunk_size``. The defaults accept every stream the encoder writes; to
    read streams written with larger sizes, raise them::

        sigmalang.decompress(blob, limits=sigmalang.Limits(max_chunk_size=256 << 20,
                                                           max_glyph_size=(256 << 20) + (64 << 10)))

    and lower them to bound what untrusted input may cost.
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
