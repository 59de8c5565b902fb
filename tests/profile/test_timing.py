import pytest

from sigmalang.profile.timing import BestTimes, best_of, spread, timed_runs, turns


def test_turns_gives_every_contestant_once_a_round_and_moves_the_first_place():
    order = list(turns(["a", "b", "c"], 4))
    rounds = [order[i : i + 3] for i in range(0, 12, 3)]
    assert all(sorted(r) == ["a", "b", "c"] for r in rounds)
    assert [r[0] for r in rounds] == ["a", "b", "c", "a"]


def test_best_times_keeps_every_run_per_label():
    times = BestTimes()
    for _ in range(3):
        assert times.time("x", lambda: 42) == 42
        times.time("y", lambda: sum(range(10_000)))
    assert list(times.best) == ["x", "y"]
    assert len(times.wall["x"]) == len(times.cpu["y"]) == 3
    assert times.best["x"] == min(times.wall["x"])
    assert times.best_cpu("y") == min(times.cpu["y"])
    assert times.spread("y") == max(times.wall["y"]) / min(times.wall["y"]) - 1


def test_spread_is_slowest_over_fastest():
    assert spread([2.0, 2.5, 3.0]) == pytest.approx(0.5)
    assert spread([1.0]) == 0.0


def test_timed_runs_stops_once_the_budget_is_spent_and_best_of_returns_the_result():
    assert len(timed_runs(lambda: sum(range(100_000)), 50, budget=0.0).times) == 1
    best, result = best_of(lambda: "done", 3)
    assert result == "done" and best >= 0
    with pytest.raises(ValueError):
        timed_runs(lambda: None, 0)
