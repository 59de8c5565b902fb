from sigmalang.profile.data import PIECE, STRIDE, CycleStream, FileCycle, read_all


def test_cycle_stream_gives_exactly_the_size_asked_and_stamps_every_piece():
    cycle = bytes(range(256)) * (2 * PIECE // 256)  # two pieces
    total = 5 * PIECE + 123
    data = read_all(CycleStream(cycle, total), total)
    assert len(data) == total
    for i in range(5):
        assert data[i * PIECE : i * PIECE + 8] == i.to_bytes(8, "little")
    # The same piece one lap later differs every STRIDE bytes (its stamps) and nowhere else:
    # no run longer than STRIDE repeats, so no REFERENCE copy spans two laps.
    first, again = data[:PIECE], data[2 * PIECE : 3 * PIECE]
    differ = [k for k in range(PIECE) if first[k] != again[k]]
    assert differ[:2] == [0, 1] or differ[0] == 0  # the running number
    body = [k for k in differ if k >= 8]
    assert body == list(range(8, PIECE, STRIDE))


def test_cycle_stream_ends_with_zero():
    src = CycleStream(b"x" * PIECE, 10)
    assert src.readinto(bytearray(100)) == 10
    assert src.readinto(bytearray(100)) == 0


def test_file_is_repeated_to_the_size(tmp_path):
    path = tmp_path / "f.bin"
    path.write_bytes(b"abc")
    src = FileCycle(path, 10)
    assert bytes(read_all(src, 10)) == b"abcabcabca"
    assert src.readinto(bytearray(4)) == 0
    src.close()
