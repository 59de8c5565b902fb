import copy

from sigmalang.profile.runner import fits
from sigmalang.profile.schema import PROFILE_SCHEMA_VERSION, bench_problems, profile_problems

SUMMARY = {"n": 1, "mean": 1.0, "stdev": 0.0, "cv": 0.0, "min": 1.0, "max": 1.0}
RUN = {"wall_s": 0.1, "mb_s": 10.0, "peak_rss": 100, "idle_rss": 50, "growth_rss": 50, "sampled_peak_rss": 90, "output_bytes": 3}
POINT = {"engine": "sigmalang-file", "mode": "encode", "size_bytes": 1 << 20, "runs": [RUN], "peak_rss": SUMMARY,
         "growth_rss": SUMMARY, "wall_s": SUMMARY, "mb_s": {"best": 10.0, "mean": 9.0}, "ratio": 3.0, "heap_peak": 7,
         "trace": {"t_s": [0.0], "rss": [1], "work_start_s": 0.0, "work_end_s": 0.1}}
PROFILE = {"schema_version": PROFILE_SCHEMA_VERSION, "kind": "sigmalang.profile", "created": "2025-01-01T00:00:00Z",
           "machine": {}, "settings": {"sizes_bytes": [1 << 20], "runs": 1, "modes": ["encode"], "threads": 0, "level": 3,
                                       "data": "mixed"},
           "points": [POINT], "fits": [], "checks": [], "charts": {"files": [], "skipped": None}}


def test_a_conforming_profile_has_no_problems():
    assert profile_problems(PROFILE) == []


def test_missing_and_mistyped_keys_are_named():
    doc = copy.deepcopy(PROFILE)
    del doc["points"][0]["runs"][0]["peak_rss"]
    doc["points"][0]["size_bytes"] = "big"
    doc["schema_version"] = 99
    problems = profile_problems(doc)
    assert any("runs[0]: missing 'peak_rss'" in p for p in problems)
    assert any("points[0].size_bytes" in p for p in problems)
    assert any("schema_version" in p for p in problems)


def test_fits_cover_each_engine_and_mode_with_both_metrics():
    points = []
    for size, peak in ((1 << 20, 100.0), (16 << 20, 1600.0)):
        p = copy.deepcopy(POINT)
        p["size_bytes"] = size
        p["peak_rss"] = {**SUMMARY, "mean": peak}
        p["growth_rss"] = {**SUMMARY, "mean": 5.0}
        points.append(p)
    result = {f["metric"]: f for f in fits(points)}
    assert result["peak_rss"]["b"] == 1.0 or abs(result["peak_rss"]["b"] - 1.0) < 1e-9
    assert abs(result["growth_rss"]["b"]) < 1e-9


def test_bench_schema_rejects_a_result_without_ratio():
    doc = {"schema_version": 1, "kind": "sigmalang.bench", "created": "x", "machine": {}, "settings": {},
           "inputs": [{"name": "a", "bytes": 1, "results": [{"name": "zlib -6"}]}], "skipped": [], "charts": {}}
    assert any("'ratio'" in p for p in bench_problems(doc))
