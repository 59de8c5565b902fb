"""A Zarr format 3 bytes-to-bytes codec: ``compressors=[SigmalangCodec(level=3)]``.

Registered under the ``zarr.codecs`` entry point as ``"sigmalang.sgl"`` (a
name with the package as namespace, as extensions outside the Zarr
specification use), so arrays written with it open without an import.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import TYPE_CHECKING

from zarr.abc.codec import BytesBytesCodec
from zarr.core.buffer.cpu import as_numpy_array_wrapper
from zarr.core.common import JSON, parse_named_configuration

from . import compress, decompress
from .numcodecs import THREADS
from .settings import DEFAULT_LEVEL, EncoderSettings

if TYPE_CHECKING:
    from typing import Self

    from zarr.core.array_spec import ArraySpec
    from zarr.core.buffer import Buffer

#: The codec's name in array metadata.
NAME = "sigmalang.sgl"


@dataclass(frozen=True)
class SigmalangCodec(BytesBytesCodec):
    """sigmalang at ``level`` (1-19) on each chunk's bytes; one stream per chunk."""

    is_fixed_size = False

    level: int = DEFAULT_LEVEL

    def __init__(self, *, level: int = DEFAULT_LEVEL) -> None:
        if isinstance(level, bool) or not isinstance(level, int):
            raise TypeError(f"level must be an integer, got {level!r}")
        EncoderSettings(level)  # refuses a level out of range
        object.__setattr__(self, "level", level)

    @classmethod
    def from_dict(cls, data: dict[str, JSON]) -> Self:
        _, configuration = parse_named_configuration(data, NAME, require_configuration=False)
        return cls(**(configuration or {}))  # type: ignore[arg-type]

    def to_dict(self) -> dict[str, JSON]:
        return {"name": NAME, "configuration": {"level": self.level}}

    def _encode(self, data: object) -> bytes:
        return compress(memoryview(data).cast("B"), self.level, threads=THREADS)  # type: ignore[arg-type]

    @staticmethod
    def _decode(data: object) -> bytes:
        return decompress(memoryview(data).cast("B"), threads=THREADS)  # type: ignore[arg-type]

    async def _encode_single(self, chunk_bytes: Buffer, chunk_spec: ArraySpec) -> Buffer | None:
        return await asyncio.to_thread(as_numpy_array_wrapper, self._encode, chunk_bytes, chunk_spec.prototype)

    async def _decode_single(self, chunk_bytes: Buffer, chunk_spec: ArraySpec) -> Buffer:
        return await asyncio.to_thread(as_numpy_array_wrapper, self._decode, chunk_bytes, chunk_spec.prototype)

    def compute_encoded_size(self, _input_byte_length: int, _chunk_spec: ArraySpec) -> int:
        raise NotImplementedError("the encoded size depends on the data")
