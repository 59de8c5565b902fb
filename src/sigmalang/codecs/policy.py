"""ChunkPolicy: every decision the encoder makes about a chunk, in one place.

What kind of data a chunk holds, whether it is looked up for REFERENCE
copies, whether a new segment's frame starts primed with earlier output, and
which strategy and zstd level encode it are all decided here, from the
settings and the detector's reading of the data. The stream layer only moves
bytes, keeps order and writes glyphs.
"""

from __future__ import annotations

from typing import Callable

from ..buffers import Buffer
from ..settings import EncoderSettings
from .chunk import EncodedChunk, encode_chunk
from .context import EncodeContext
from .detect import DataKind, Detection
from .longrange import DENSE, SPARSE, Density
from .reference import MIN_COPIED, MIN_COPIED_SHARE, CopyTable
from .selector import AdaptiveCompressionSelector


class ChunkPolicy:
    """Per-chunk decisions for one stream's settings; safe to share between threads
    (the detector and selector keep no state between chunks).

    The detector runs once per chunk, in stream order (``detect``); every
    later decision about the chunk takes that detection.
    """

    def __init__(self, settings: EncoderSettings) -> None:
        self.selector = AdaptiveCompressionSelector(settings.level, trial=settings.trial, adaptive=settings.adaptive)
        self.detector = self.selector.detector
        self.adaptive = settings.adaptive
        self.references = settings.uses_references()
        #: A stream that declares no window cannot prime: its decoder keeps no earlier output.
        self._can_prime = settings.resolved_reference_window() > 0

    def detect(self, raw: Buffer) -> Detection | None:
        """What kind of data ``raw`` holds (None with the detector off)."""
        return self.detector.detect(raw) if self.adaptive else None

    def detect_from(self, size: int, read: Callable[[int, int], Buffer]) -> Detection | None:
        """``detect`` for a chunk not in memory, reading only the sampled slices."""
        return self.detector.detect_from(size, read) if self.adaptive else None

    @staticmethod
    def worth_copying(copies: CopyTable, chunk_length: int) -> CopyTable | None:
        """``copies`` if they cover enough of the chunk to pay for a REFERENCE chunk, else None.

        A REFERENCE chunk copies its literals out before zstd sees them and its
        decoder puts the copies back in stream order: a full pass over the chunk
        each way. Copies covering under MIN_COPIED_SHARE of it (a license header
        repeated in a few source files of a 4 MiB chunk of text) save less output
        than that costs: on the corpus's text they gave 0.1 % of ratio for a
        tenth of a millisecond per MiB of encoding.
        """
        return copies if copies.copied >= max(MIN_COPIED, chunk_length * MIN_COPIED_SHARE) else None

    @staticmethod
    def match_density(detection: Detection | None) -> Density:
        """How densely the long-range matcher samples a chunk: binaries densely
        (their repeats across files are short), everything else sparsely."""
        if detection is not None and detection.kind is DataKind.BINARY:
            return DENSE
        return SPARSE

    def primes(self, detection: Detection | None) -> bool:
        """Whether a segment opening with a chunk of this kind takes part in priming:
        a structured segment following a structured one starts its frame primed
        with that one's head.

        NDJSON and CSV records recur across segments (their keys, their text
        with new ids), and an unprimed frame must learn them again at every
        segment start; text and binaries gain nothing from a prime and pay
        for the dictionary's set-up (``benchmarks/adaptive.py`` compares).
        """
        return self._can_prime and detection is not None and detection.kind is DataKind.STRUCTURED

    def encode(
        self,
        raw: Buffer,
        context: EncodeContext | None = None,
        copies: CopyTable | None = None,
        detection: Detection | None = None,
    ) -> EncodedChunk:
        """Encode one chunk as the selector chooses for its detection (``chunk.encode_chunk``)."""
        if detection is None:
            detection = self.detect(raw)
        return encode_chunk(raw, self.selector, context, copies, detection)
