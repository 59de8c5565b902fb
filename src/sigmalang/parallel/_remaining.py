"""The part of the input a run still has to compute, and merging kept results.

Planning computes some items already (the head of the input, and single
items spread over a sequence). A run takes the rest: runs of consecutive
items between those positions, so every chunk is contiguous and keeps exact
item indices for ordering and error notes; the kept results are merged back
at their positions.
"""

from __future__ import annotations

import collections
import itertools
from typing import Any, Iterable, Iterator

Part = tuple[int, list[Any]]  # (index of the first item, results)

_END = object()


class Remaining:
    """Items from ``start`` on, skipping the positions in ``holes``."""

    def __init__(self, items: Iterator[Any], start: int = 0, holes: Iterable[int] = ()) -> None:
        self._items = items
        self.pos = start
        self._holes = collections.deque(sorted(h for h in holes if h >= start))
        self.exhausted = False

    def _skip_holes(self) -> None:
        while self._holes and self._holes[0] == self.pos:
            self._holes.popleft()
            if next(self._items, _END) is _END:
                self.exhausted = True
                return
            self.pos += 1

    def take(self, size: int) -> Part:
        """Up to size consecutive items (fewer before a hole); empty at the end."""
        self._skip_holes()
        if self.exhausted:
            return self.pos, []
        limit = min(size, self._holes[0] - self.pos) if self._holes else size
        first = self.pos
        chunk = list(itertools.islice(self._items, limit))
        self.pos += len(chunk)
        if len(chunk) < limit:
            self.exhausted = True
        return first, chunk

    def runs(self) -> Iterator[tuple[int, Iterator[Any]]]:
        """(first index, iterator) per run of consecutive items, for serial runs
        that map func over them without building chunks. Each iterator must be
        used up before the next is asked for."""
        while not self.exhausted:
            self._skip_holes()
            if self.exhausted:
                return
            if not self._holes:
                self.exhausted = True
                yield self.pos, self._items
                return
            n = self._holes[0] - self.pos
            yield self.pos, itertools.islice(self._items, n)
            self.pos += n


def merged(parts: Iterable[Part], kept: dict[int, Any], ordered: bool) -> Iterator[Part]:
    """parts with the kept single results put in: at their positions when
    ordered (parts arrive in index order), first otherwise (they are ready)."""
    pending = collections.deque(sorted(kept.items()))
    if not ordered:
        yield from ((i, [r]) for i, r in pending)
        yield from parts
        return
    for first, results in parts:
        while pending and pending[0][0] < first:
            i, r = pending.popleft()
            yield i, [r]
        yield first, results
    yield from ((i, [r]) for i, r in pending)


def flatten(parts: Iterable[Part]) -> list[Any]:
    """Results in input order from parts in any order (one part: its list as is)."""
    ordered = sorted(parts, key=lambda p: p[0])
    if len(ordered) == 1:
        return ordered[0][1]
    out: list[Any] = []
    for _, results in ordered:
        out.extend(results)
    return out
