"""RECORDS: rows of several columns regrouped column by column, and the estimate of their length."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

import sigmalang
from sigmalang.codecs import records
from sigmalang.codecs.selector import AdaptiveCompressionSelector
from sigmalang.codecs.transforms import Transform, record_length


def _table(rows: int, columns: int, seed: int = 0) -> np.ndarray:
    """Columns of different scales and precisions, each a slow walk, stored row by row."""
    rng = np.random.default_rng(seed)
    scales = 10.0 ** rng.integers(-2, 5, columns)
    walks = np.cumsum(rng.normal(0, 1, (rows, columns)), axis=0) * scales + scales * 100
    return np.round(walks, 2)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(0, 2**32 - 1), max_size=500), st.integers(2, 40))
def test_regroup_and_ungroup_are_inverse_for_any_count(values, length):
    array = np.array(values, dtype=np.uint32)
    grouped, back = np.empty_like(array), np.empty_like(array)
    records.regroup(array, length, grouped)
    records.ungroup(grouped, length, back)
    assert back.tolist() == values


def test_the_record_length_of_a_table_is_found():
    for columns in (2, 5, 8, 13):
        assert record_length(_table(5000, columns).tobytes(), 8) == columns


def test_a_single_column_or_noise_has_no_records():
    assert record_length(np.cumsum(np.random.default_rng(1).normal(0, 1, 20000)).tobytes(), 8) == 1
    assert record_length(np.random.default_rng(2).bytes(1 << 17), 8) == 1
    assert record_length(np.arange(50000, dtype="<i4").tobytes(), 4) == 1
    assert record_length(b"\x00" * 100, 8) == 1  # too short to say


def test_a_table_stored_row_by_row_is_regrouped_by_the_selector_and_round_trips():
    data = _table(40000, 6).tobytes()
    choice = AdaptiveCompressionSelector(3).choose(data)
    assert choice.transform & Transform.RECORDS and choice.records == 6
    assert "records of 6" in choice.reason
    blob = sigmalang.compress(data)
    assert sigmalang.decompress(blob) == data
    import zstandard

    assert len(blob) * 1.5 < len(zstandard.ZstdCompressor(level=3).compress(data))
