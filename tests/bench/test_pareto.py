from sigmalang.bench.pareto import frontier


def test_dominated_points_are_left_off_the_frontier():
    points = [(100.0, 3.0), (50.0, 4.0), (40.0, 3.5), (200.0, 2.0), (10.0, 5.0), (100.0, 2.5)]
    assert frontier(points) == [3, 0, 1, 4]


def test_single_point_is_its_own_frontier():
    assert frontier([(1.0, 1.0)]) == [0]
