"""The selector: rules where the answer is known, measurements where it is not."""

import numpy as np
import pytest

from sigmalang import Strategy, corpus
from sigmalang.codecs.transforms import Transform
from sigmalang.codecs.detect import DataKind
from sigmalang.codecs.delta import DeltaCodec
from sigmalang.codecs.selector import AdaptiveCompressionSelector

MIB = 1 << 20
SELECT = AdaptiveCompressionSelector(3)


def test_random_bytes_get_a_fast_attempt_and_are_stored_raw():
    choice = SELECT.choose(corpus.random_bytes(MIB))
    assert (choice.strategy, choice.level, choice.kind) == (Strategy.PATTERN, 2, DataKind.INCOMPRESSIBLE)
    encoded, _ = SELECT.encode(corpus.random_bytes(MIB))
    assert encoded.strategy is Strategy.RAW


def test_the_fast_attempt_never_uses_a_higher_level_than_asked_for():
    choice = AdaptiveCompressionSelector(1).choose(corpus.random_bytes(MIB))
    assert (choice.level, choice.kind) == (1, DataKind.INCOMPRESSIBLE)


def test_duplicated_compressed_data_still_shrinks():
    import gzip

    member = gzip.compress(corpus.log_text(300_000))
    encoded, choice = SELECT.encode(member * 3)
    assert choice.kind is DataKind.INCOMPRESSIBLE
    assert encoded.strategy is Strategy.PATTERN and len(encoded.data) < len(member) * 2


def test_text_goes_to_zstd_at_the_chosen_level():
    choice = SELECT.choose(corpus.log_text(MIB))
    assert (choice.strategy, choice.level, choice.kind) == (Strategy.PATTERN, 3, DataKind.TEXT)


def test_tables_of_numbers_get_the_faster_level_when_a_sample_says_it_compresses_better():
    import zstandard

    table = corpus.csv_table(MIB)
    choice = SELECT.choose(table)
    assert (choice.kind, choice.level) == (DataKind.STRUCTURED, 1) and "trial" in choice.reason
    encoded, _ = SELECT.encode(table)
    assert len(encoded.data) < len(zstandard.ZstdCompressor(level=3).compress(table))


def test_prose_and_logs_keep_the_selector_level_after_the_trial():
    choice = SELECT.choose(corpus.log_text(MIB))
    assert choice.level == 3 and "trial" in choice.reason


def test_a_chunk_continuing_a_frame_is_not_tried_at_other_levels():
    choice = SELECT.choose(corpus.csv_table(MIB), sets_level=False)
    assert choice.level == 3 and "trial" not in choice.reason


def test_integer_counters_get_delta_and_shuffle_by_measurement():
    choice = SELECT.choose(corpus.int_counters(MIB))
    assert choice.strategy is Strategy.DELTA
    assert choice.width == 4 and choice.transform & Transform.DELTA
    assert "trial" in choice.reason


def _float_column(name: str, count: int = 1 << 17) -> bytes:
    rng = np.random.default_rng(1)
    columns = {
        "prices": np.round(100 + np.cumsum(rng.normal(0, 0.05, count)), 2),  # decimals that drift
        "sensor": 20 + 5 * np.sin(np.arange(count) / 500) + rng.normal(0, 0.01, count),  # results of arithmetic
        "levels": rng.choice(rng.random(200) * 100, count),  # a few full-precision values, repeated
    }
    return columns[name].astype("<f8").tobytes()


def test_decimal_floats_get_the_decimal_transform_by_measurement():
    choice = SELECT.choose(_float_column("prices"))
    assert (choice.strategy, choice.width, choice.kind) == (Strategy.DELTA, 8, DataKind.NUMERIC)
    assert choice.transform & Transform.DECIMAL and "trial" in choice.reason
    encoded, _ = SELECT.encode(corpus.float_series(MIB))
    assert encoded.strategy is Strategy.DELTA and DeltaCodec.parse_params(encoded.params)[1] & Transform.DECIMAL


def test_floats_from_arithmetic_get_a_bitwise_transform_not_decimal():
    choice = SELECT.choose(_float_column("sensor"))
    assert choice.strategy is Strategy.DELTA and choice.transform & Transform.SHUFFLE
    assert not choice.transform & Transform.DECIMAL


def test_repeated_float_values_keep_plain_zstd():
    # Whole 8-byte values repeat: zstd's matches beat every transform by more than the margin.
    choice = SELECT.choose(_float_column("levels"))
    assert (choice.strategy, choice.kind) == (Strategy.PATTERN, DataKind.NUMERIC)
    assert "plain zstd smallest" in choice.reason


def test_periodic_signal_keeps_plain_zstd_when_the_whole_chunk_says_so():
    # On a 128 KiB sample delta+shuffle wins; over 1 MiB zstd finds the long
    # repeats of the period and wins: the whole-chunk check must catch that.
    data = (np.sin(np.arange(MIB // 2) / 40) * 3000).astype("<i2").tobytes()
    assert SELECT.choose(data).strategy is Strategy.DELTA
    encoded, choice = SELECT.encode(data)
    assert encoded.strategy is Strategy.PATTERN and choice.strategy is Strategy.PATTERN
    assert "whole chunk" in choice.reason


@pytest.mark.parametrize("kind", ["text", "json", "csv", "int", "float", "binary", "random"])
def test_encoded_chunk_is_never_larger_than_raw(kind):
    data = corpus.KINDS[kind](256 * 1024, 9)
    encoded, _ = SELECT.encode(data)
    assert len(encoded.data) + len(encoded.params) <= len(data)


def test_trial_mode_at_high_levels_is_on_and_can_be_forced():
    assert AdaptiveCompressionSelector(9).trial
    assert not AdaptiveCompressionSelector(3).trial
    assert AdaptiveCompressionSelector(3, trial=True).trial


def test_empty_chunk_is_raw():
    assert SELECT.choose(b"").strategy is Strategy.RAW


def test_detector_off_means_plain_zstd_for_every_chunk():
    fixed = AdaptiveCompressionSelector(3, adaptive=False)
    choice = fixed.choose(corpus.int_counters(MIB))
    assert (choice.strategy, choice.kind) == (Strategy.PATTERN, None)


def test_numeric_chunks_continuing_a_segment_reuse_its_measured_choice(monkeypatch):
    from sigmalang.codecs.context import EncodeContext

    counters, floats = corpus.int_counters(1 << 20), corpus.float_series(1 << 20)
    context = EncodeContext(8 << 20, False)
    trials = []
    real = AdaptiveCompressionSelector._trial

    def counting(self, raw, detection, candidates):
        trials.append(detection.subtype)
        return real(self, raw, detection, candidates)

    monkeypatch.setattr(AdaptiveCompressionSelector, "_trial", counting)
    select = AdaptiveCompressionSelector(3)
    first = select.encode(counters[: 1 << 19], context)[1]
    again = select.encode(counters[1 << 19 :], context)[1]
    other = select.encode(floats, context)[1]
    assert again == first and first.strategy is Strategy.DELTA
    assert len(trials) == 2 and trials[0] != trials[1]  # the counters once, the floats once
    assert other.kind is DataKind.NUMERIC
    assert select.encode(counters[: 1 << 19])[1] == first  # a chunk on its own is measured again
    assert len(trials) == 3


def test_delta_chunks_are_coded_at_the_fast_level_up_to_the_default_and_zstd_fallbacks_are_not():
    counters = corpus.int_counters(MIB)
    assert SELECT.choose(counters).level == 1
    assert AdaptiveCompressionSelector(9).choose(counters).level == 9
    # A periodic signal: DELTA wins on the sample, zstd on the whole chunk, at the selector's own level.
    data = (np.sin(np.arange(MIB // 2) / 40) * 3000).astype("<i2").tobytes()
    _, choice = SELECT.encode(data)
    assert (choice.strategy, choice.level) == (Strategy.PATTERN, 3)
