from ..buffers import Buffer

def candidates(data: Buffer, simd: bool = ...) -> bytes:
    """Sorted little-endian int64 offsets just past every 4-byte window whose hash has its top bits set."""
