import math

import pytest

from sigmalang.profile.fit import power_fit
from sigmalang.profile.stats import summarize

SIZES = [1, 4, 16, 64, 256]


def test_flat_series_fits_exponent_zero():
    fit = power_fit(SIZES, [50.0] * len(SIZES))
    assert fit.b == pytest.approx(0.0, abs=1e-12)
    assert fit.a == pytest.approx(50.0)
    assert fit.r2 == pytest.approx(1.0)


def test_proportional_series_fits_exponent_one():
    fit = power_fit(SIZES, [3.0 * s for s in SIZES])
    assert fit.b == pytest.approx(1.0)
    assert fit.a == pytest.approx(3.0)
    assert fit.r2 == pytest.approx(1.0)
    assert fit.predict(1024) == pytest.approx(3072.0)


def test_noisy_square_root_is_recovered_within_tolerance():
    noise = [1.03, 0.97, 1.02, 0.98, 1.01]
    fit = power_fit(SIZES, [7 * math.sqrt(s) * k for s, k in zip(SIZES, noise)])
    assert fit.b == pytest.approx(0.5, abs=0.02)
    assert 0.99 < fit.r2 < 1.0


@pytest.mark.parametrize("xs, ys", [([1], [1]), ([2, 2], [1, 3]), ([1, 2], [0, 1]), ([1, 2, 3], [1, 2])])
def test_fit_refuses_data_it_cannot_fit(xs, ys):
    with pytest.raises(ValueError):
        power_fit(xs, ys)


def test_summary_gives_mean_stdev_and_cv():
    s = summarize([10, 12, 14])
    assert (s.n, s.mean, s.min, s.max) == (3, 12, 10, 14)
    assert s.stdev == pytest.approx(2.0)
    assert s.cv == pytest.approx(2 / 12)
    assert summarize([5]).stdev == 0.0
