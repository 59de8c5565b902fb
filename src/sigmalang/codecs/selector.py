"""AdaptiveCompressionSelector: from a chunk's detection to a strategy and its parameters.

Rules decide where the answer is known (compressed or random bytes: a fast
zstd level, stored RAW unless it shrinks; text: zstd at the chosen level);
where it is not, the selector measures: numeric arrays always, and at levels
>= TRIAL_LEVEL binary chunks too, by compressing a sample with each candidate.
A DELTA winner is then checked against plain zstd on the whole chunk, so it
never loses to it, and no chunk is stored larger than RAW.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from ..buffers import Buffer
from ..format.constants import Strategy
from .base import Encoded
from .context import EncodeContext
from .delta import DeltaCodec
from .transforms import DECIMAL_WIDTHS, Transform, decimal_share, record_length
from .detect import DataKind, Detection, KindDetector
from .zstd import ZstdCodec
from .raw import RawCodec

#: From this level on, every chunk is chosen by trial, not by rule alone.
TRIAL_LEVEL = 9
#: Bytes compressed per candidate in a trial (a contiguous slice from the middle).
TRIAL_SAMPLE = 128 * 1024
#: Chunks below this size are encoded on their own (RAW fallback possible).
MIN_SHARED_CHUNK = 4096
#: A candidate must beat plain zstd by this factor to be chosen (its decode costs more).
MIN_GAIN = 1.03
#: Bytes compressed per level in a level trial (text and structured chunks).
LEVEL_TRIAL_SAMPLE = 64 * 1024
#: The faster level a level trial tries against the selector's own.
FAST_LEVEL = 1
#: The zstd level compressed or random-looking chunks get (or the selector's own,
#: if lower): level 2 finds a little more than level 1 in compressed containers
#: (zip directories, members stored twice) at the same speed on such data, while
#: level 3 takes several times as long for little more (the "compressed" rows of
#: ``benchmarks/adaptive.py`` show this level's ratio and speed).
INCOMPRESSIBLE_LEVEL = 2
#: Selector levels up to which DELTA chunks are coded at FAST_LEVEL (see ``_delta_level``).
DEFAULT_DELTA_LEVEL_LIMIT = 3
#: Kinds whose chunks try FAST_LEVEL (binaries and numbers measured no gain from it).
_LEVEL_TRIAL_KINDS = frozenset({DataKind.TEXT, DataKind.STRUCTURED})

#: Candidates tried on numeric chunks. XOR variants are supported by the format
#: but left out of the trial: on integer counters, float series (quantised,
#: noisy, smooth) and int16 signals they never beat these three, and every
#: candidate costs a trial compression.
_NUMERIC_TRANSFORMS = (
    Transform.DELTA | Transform.SHUFFLE,
    Transform.SHUFFLE,
    Transform.DELTA,
)
#: Candidates tried on chunks the detector reads as float32 or float64: decimals as
#: integers (differences, or unshuffled for columns whose values repeat), and xor of
#: neighbours for floats that are results of arithmetic (``benchmarks/floats.py``
#: shows which wins on which data; DECIMAL | SHUFFLE without differences is left out:
#: it beat them by 0.6 % at most, and a decimal candidate costs the most to try).
_FLOAT_TRANSFORMS = (
    Transform.DECIMAL | Transform.DELTA | Transform.SHUFFLE,
    Transform.DECIMAL,
    Transform.XOR | Transform.SHUFFLE,
    Transform.DELTA | Transform.SHUFFLE,
    Transform.SHUFFLE,
)
#: DECIMAL candidates are tried only when at least this share of the sample's floats
#: are decimals. Results of arithmetic read 0.1-0.4 (on the sets of ``benchmarks/floats.py``),
#: where decimals never won; a table mixing decimals, integers, NaN and float32 values
#: read 0.42 and won with them. They cost the most to try.
MIN_DECIMAL_SHARE = 0.3


@dataclass(frozen=True)
class Choice:
    """What to do with one chunk, and why."""

    strategy: Strategy
    level: int
    width: int = 0
    transform: Transform = Transform.NONE
    kind: DataKind | None = None
    reason: str = ""
    records: int = 1  # elements per record, with Transform.RECORDS


class AdaptiveCompressionSelector:
    def __init__(
        self,
        level: int,
        detector: KindDetector | None = None,
        *,
        trial: bool | None = None,
        adaptive: bool = True,
        zstd: ZstdCodec | None = None,
    ) -> None:
        self.level = level
        self.adaptive = adaptive
        self.detector = detector or KindDetector()
        self.trial = level >= TRIAL_LEVEL if trial is None else trial
        self._zstd = zstd or ZstdCodec()
        self._delta = DeltaCodec(self._zstd)
        self._raw = RawCodec()

    # -- choosing --------------------------------------------------------------
    def choose(self, raw: Buffer, *, sets_level: bool = True, detection: Detection | None = None) -> Choice:
        """The strategy for ``raw``; ``sets_level`` is False for a chunk continuing a
        segment's frame, whose zstd level its first chunk already fixed;
        ``detection`` is the detector's reading of ``raw`` if it was made already."""
        if not len(raw):
            return Choice(Strategy.RAW, 0, reason="empty")
        if not self.adaptive:
            return Choice(Strategy.PATTERN, self.level, reason="detector off: fixed zstd")
        if detection is None:
            detection = self.detector.detect(raw)
        kind = detection.kind
        if kind is DataKind.INCOMPRESSIBLE:
            # Compressed files often repeat (the same archive twice, shared
            # members), which a fast zstd level still finds at little cost; a
            # chunk that does not shrink is stored RAW by encode().
            level = min(self.level, INCOMPRESSIBLE_LEVEL)
            return Choice(Strategy.PATTERN, level, kind=kind, reason=f"{detection.subtype}: fast attempt at level {level}")
        if kind is DataKind.NUMERIC:
            return self._trial(raw, detection, self._numeric_candidates(detection.width, detection.subtype))
        if self.trial and kind is DataKind.BINARY:
            return self._trial(raw, detection, self._numeric_candidates(detection.features.numeric_width or 4))
        if kind in _LEVEL_TRIAL_KINDS and sets_level and self.level > FAST_LEVEL:
            return self._level_trial(raw, detection)
        return Choice(Strategy.PATTERN, self.level, kind=kind, reason=f"{kind.value} {detection.subtype}".strip())

    def _choose_in(self, context: EncodeContext | None, raw: Buffer, detection: Detection | None) -> Choice:
        """``choose`` for a chunk of a segment: a numeric chunk continuing the segment
        takes the transform measured on its segment's first chunk of the same kind
        (a segment of one array holds one kind of numbers; a trial per chunk cost
        several compressions of a sample each), unless the detector reads it as
        another kind of numbers."""
        if context is None:
            return self.choose(raw, detection=detection)
        if detection is None and self.adaptive and len(raw):
            detection = self.detector.detect(raw)
        key = (detection.kind, detection.subtype, detection.width) if detection is not None else None
        known = context.choices.get(key) if key is not None and key[0] is DataKind.NUMERIC else None
        if known is not None:
            return known
        choice = self.choose(raw, sets_level=not context.started, detection=detection)
        if key is not None and key[0] is DataKind.NUMERIC:
            context.choices[key] = choice
        return choice

    def _level_trial(self, raw: Buffer, detection: Detection) -> Choice:
        """zstd at the selector's level or at FAST_LEVEL, whichever makes a sample smaller.

        Tables of numbers come out smaller at level 1 than at level 3, and
        faster, while prose, code and JSON come out larger (the CSV rows of
        ``benchmarks/adaptive.py`` show it). A chunk holding several different
        tables reads as text to the detector, so text and structured chunks
        that open a frame compress a sample both ways.
        """
        sample = _middle(raw, LEVEL_TRIAL_SAMPLE, 8)
        mine = len(self._zstd.encode(sample, self.level).data)
        fast = len(self._zstd.encode(sample, FAST_LEVEL).data)
        level = FAST_LEVEL if fast <= mine else self.level
        reason = f"{detection.subtype}: trial, level {FAST_LEVEL} output {fast / max(mine, 1):.2f} x level {self.level}'s"
        return Choice(Strategy.PATTERN, level, kind=detection.kind, reason=reason)

    @staticmethod
    def _numeric_candidates(width: int, subtype: str = "") -> list[tuple[int, Transform]]:
        floats = subtype.startswith("float") and width in DECIMAL_WIDTHS
        return [(width, t) for t in (_FLOAT_TRANSFORMS if floats else _NUMERIC_TRANSFORMS)]

    def _trial(self, raw: Buffer, detection: Detection, candidates: list[tuple[int, Transform]]) -> Choice:
        sample = _middle(raw, TRIAL_SAMPLE, 8)
        trial_level = min(self.level, 3)
        plain = len(self._zstd.encode(sample, trial_level).data)
        if any(t & Transform.DECIMAL for _, t in candidates) and decimal_share(sample, candidates[0][0]) < MIN_DECIMAL_SHARE:
            candidates = [(w, t) for w, t in candidates if not t & Transform.DECIMAL]
        # Rows of several columns: the candidates regroup them by column first.
        records = record_length(sample, candidates[0][0]) if candidates else 1
        if records > 1:
            candidates = [(w, t | Transform.RECORDS) for w, t in candidates] + [(candidates[0][0], Transform.RECORDS)]
        # Candidates are measured at the level DELTA chunks are coded at, plain zstd at its own.
        delta_level = min(self._delta_level(), trial_level)
        best: tuple[int, int, Transform] | None = None
        for width, transform in candidates:
            size = len(self._delta.encode(sample, delta_level, width, transform, records=records).data)
            if best is None or size < best[0]:
                best = (size, width, transform)
        kind = detection.kind
        if best is not None and best[0] * MIN_GAIN < plain:
            size, width, transform = best
            level = self._delta_level()
            gain = plain / max(size, 1)
            reason = f"trial: {transform!r} x{width}{f' in records of {records}' if records > 1 else ''} {gain:.2f}x smaller than zstd"
            return Choice(Strategy.DELTA, level, width, transform, kind, f"{reason}, level {level}", records)
        return Choice(Strategy.PATTERN, self.level, kind=kind, reason="trial: plain zstd smallest")

    def _delta_level(self) -> int:
        """The zstd level of DELTA chunks: FAST_LEVEL up to the default level. Transformed
        numbers are runs and order-0 noise, which level 1 codes as small as level 3
        (within 0.2 %, often smaller) two to three times as fast; ``benchmarks/floats.py``
        prints both for every data set."""
        return FAST_LEVEL if self.level <= DEFAULT_DELTA_LEVEL_LIMIT else self.level

    # -- encoding --------------------------------------------------------------
    def encode(
        self, raw: Buffer, context: EncodeContext | None = None, detection: Detection | None = None
    ) -> tuple[Encoded, Choice]:
        """Encode ``raw`` as chosen; falls back to RAW when that is not smaller.

        With a segment ``context``, PATTERN and DELTA chunks go into the
        segment's shared zstd frame (whatever they cost there is final: the
        frame cannot take data back), except high-entropy and tiny ones, which
        stay on their own so they can still fall back to RAW. A shared chunk
        can exceed its raw size only by zstd's framing (3 bytes per 128 KiB
        block), and only if a chunk of low sampled entropy does not compress.
        """
        choice = self._choose_in(context, raw, detection)
        shareable = len(raw) >= MIN_SHARED_CHUNK and choice.kind is not DataKind.INCOMPRESSIBLE
        if context is not None and shareable and choice.strategy is not Strategy.RAW:
            if choice.strategy is Strategy.DELTA:
                return self._delta.encode(raw, choice.level, choice.width, choice.transform, context, choice.records), choice
            return self._zstd.encode(raw, choice.level, context), choice
        if choice.strategy is Strategy.PATTERN:
            encoded = self._zstd.encode(raw, choice.level)
        elif choice.strategy is Strategy.DELTA:
            encoded = self._delta.encode(raw, choice.level, choice.width, choice.transform, records=choice.records)
            # A sample can miss repeats longer than itself (periodic signals): the
            # whole chunk is compressed both ways, so DELTA never loses to zstd.
            plain = self._zstd.encode(raw, self.level)
            if len(plain.data) <= len(encoded.data) + len(encoded.params):
                encoded = plain
                choice = replace(choice, strategy=Strategy.PATTERN, level=self.level, reason=choice.reason + "; whole chunk: zstd smaller")
        else:
            encoded = self._raw.encode(raw, choice.level)
        if encoded.strategy is not Strategy.RAW and len(encoded.data) + len(encoded.params) >= len(raw):
            encoded = self._raw.encode(raw, choice.level)
        return encoded, choice


def _middle(data: Buffer, size: int, align: int) -> memoryview:
    view = memoryview(data).cast("B")
    if len(view) <= size:
        return view
    start = ((len(view) - size) // 2) // align * align
    return view[start : start + size]
