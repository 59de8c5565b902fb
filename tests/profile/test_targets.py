import pytest

from sigmalang.profile.targets import MIB, check_line, memory_checks


def point(engine, size_mib, peaks_mib, window=16 * MIB):
    peaks = [p * MIB for p in peaks_mib]
    return {"engine": engine, "mode": "encode", "size_bytes": size_mib * MIB, "declared_window": window,
            "runs": [{"peak_rss": p} for p in peaks], "peak_rss": {"mean": sum(peaks) / len(peaks)}}


def checks(points):
    return {(c["engine"], c["what"]): c for c in memory_checks(points)}


def test_file_to_file_is_held_to_100_mib_at_1_gib_by_its_worst_run():
    found = checks([point("sigmalang-file", 64, [90]), point("sigmalang-file", 1024, [99, 101])])
    peak = found[("sigmalang-file", "peak")]
    assert peak["ok"] is False and peak["value"] == 101 * MIB and peak["limit"] == 100 * MIB
    assert "at 1024 MiB" in peak["name"] and "1 GiB" not in peak["detail"]


def test_a_pipe_may_keep_its_declared_window_on_top():
    found = checks([point("sigmalang-pipe", 1024, [110], window=16 * MIB)])
    peak = found[("sigmalang-pipe", "peak")]
    assert peak["ok"] is True and peak["limit"] == 116 * MIB
    assert "declared window 16 MiB" in check_line(peak)


def test_exponent_is_fitted_over_64_mib_to_1_gib_only():
    flat = [point("sigmalang-file", 1, [10]), point("sigmalang-file", 64, [80]), point("sigmalang-file", 1024, [81])]
    exponent = checks(flat)[("sigmalang-file", "exponent")]
    assert exponent["ok"] is True and exponent["value"] == pytest.approx(0.0045, abs=1e-3)
    growing = [point("sigmalang-file", 64, [50]), point("sigmalang-file", 1024, [100])]
    assert checks(growing)[("sigmalang-file", "exponent")]["ok"] is False  # b = 0.25


def test_too_few_sizes_is_said_not_passed():
    found = checks([point("sigmalang-pipe", 2, [50])])
    assert found[("sigmalang-pipe", "exponent")]["ok"] is None
    assert check_line(found[("sigmalang-pipe", "exponent")]).startswith("NOT CHECKED")
    assert "the target is at 1 GiB" in found[("sigmalang-pipe", "peak")]["detail"]


def test_the_baseline_is_not_checked():
    assert memory_checks([point("whole", 1024, [1500], window=None)]) == []
