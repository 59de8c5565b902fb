"""``-M SIZE`` / ``--memory=SIZE``: the decoder's memory limit, as ``sigmalang.Limits``.

Every size a stream declares that a decoder must hold is refused above SIZE,
before anything is allocated for it: the reference window (output kept for
REFERENCE copies and primed segments), a chunk, a dictionary. SIZE may also
raise the defaults, for streams written with larger settings. The zstd
window of a segment's frame is not among them: the header does not declare
it, and the decoders cap it at 64 MiB in any case.
"""

from __future__ import annotations

from ..format.constants import DEFAULT_MAX_CHUNK_SIZE, DEFAULT_MAX_GLYPH_SIZE
from ..format.limits import DEFAULT_LIMITS, Limits

#: A glyph holds a chunk's encoded bytes plus its fields: allowed beyond the chunk limit.
GLYPH_SLACK = DEFAULT_MAX_GLYPH_SIZE - DEFAULT_MAX_CHUNK_SIZE

HINT = "a larger -M/--memory SIZE accepts it"


def limits_for(memory: int | None) -> Limits:
    """The decoder limits for ``-M memory`` (None: the defaults)."""
    if memory is None:
        return DEFAULT_LIMITS
    return Limits(max_chunk_size=memory, max_glyph_size=memory + GLYPH_SLACK, max_dict_size=memory, max_window=memory)
