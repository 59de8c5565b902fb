import json

import pytest

from sigmalang.cli.profile_cmd import main
from sigmalang.profile.schema import profile_problems

MIB = 1 << 20


@pytest.mark.parametrize(
    "argv, option",
    [
        (["--sizes", "1,x"], "--sizes"),
        (["--sizes", "0"], "--sizes"),
        (["--runs", "0"], "--runs"),
        (["--mode", "sideways"], "--mode"),
        (["--level", "42"], "--level"),
        (["--threads", "-1"], "--threads"),
        (["--data", "/no/such/file"], "--data"),
        (["--path", "tube"], "--path"),
    ],
)
def test_bad_arguments_exit_2_naming_the_option(argv, option, capsys):
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "error: argument" in err and option in err


def test_a_tiny_profile_measures_what_was_asked(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["--sizes", "1,2", "--runs", "1", "--mode", "encode", "--data", "text", "--out", str(out), "-q"]) == 0
    doc = json.loads((out / "profile.json").read_text())
    assert profile_problems(doc) == []
    assert doc["settings"]["sizes_bytes"] == [MIB, 2 * MIB]
    engines = ("sigmalang-file", "sigmalang-pipe", "whole")
    assert {(p["engine"], p["mode"], p["size_bytes"]) for p in doc["points"]} == {
        (e, "encode", s) for e in engines for s in (MIB, 2 * MIB)
    }
    assert set(doc["settings"]["engines"]) == set(engines)
    for p in doc["points"]:
        assert (p["declared_window"] is None) == (p["engine"] == "whole"), "every sigmalang stream says its window"
        run = p["runs"][0]
        assert p["ratio"] > 2, "log text compresses well"
        assert 1 < run["mb_s"] < 100_000
        assert 5 * MIB < run["peak_rss"] < 1024 * MIB
        assert run["peak_rss"] >= run["idle_rss"]
        assert p["heap_peak"] > 0
        assert p["trace"]["rss"], "the parent sampled the child"
    assert len(doc["fits"]) == 6
    assert [(c["engine"], c["what"]) for c in doc["checks"]] == [
        ("sigmalang-file", "peak"), ("sigmalang-file", "exponent"), ("sigmalang-pipe", "peak"), ("sigmalang-pipe", "exponent")]
    charts = doc["charts"]
    assert charts["files"] or "matplotlib" in charts["skipped"]
    out = capsys.readouterr().out
    assert "sigmalang profile" in out
    assert "file to file" in out and "streamed like a pipe" in out and "reference window" in out
    assert "encode, through a pipe: peak RSS at 2 MiB" in out and "NOT CHECKED" in out


def test_a_user_file_is_repeated_and_decoded(tmp_path):
    data = tmp_path / "sample.txt"
    data.write_bytes(b"hello profile " * 5000)
    out = tmp_path / "out"
    assert main(["--sizes", "1", "--runs", "1", "--mode", "decode", "--path", "file", "--data", str(data), "--out", str(out), "-q"]) == 0
    doc = json.loads((out / "profile.json").read_text())
    assert [(p["engine"], p["mode"]) for p in doc["points"]] == [("sigmalang-file", "decode"), ("whole", "decode")]
    assert all(p["runs"][0]["output_bytes"] == MIB for p in doc["points"])
    assert doc["fits"] == [], "one size: nothing to fit"


def test_the_pipe_engine_reads_the_input_file_in_sequence_not_a_generated_cycle():
    """As ``cat FILE | sigmalang`` gives it: the generator's cycle stays out of the measured process."""
    from sigmalang.profile.runner import ProfileSettings, _worker_args

    settings = ProfileSettings(sizes=(MIB,))
    inputs = {"raw": "/data/raw.bin", "sigmalang-pipe": "/data/pipe.sgl"}
    encode = _worker_args(settings, "sigmalang-pipe", "encode", MIB, "/data/cycle", inputs)
    assert encode[encode.index("--input") + 1] == "/data/raw.bin"
    decode = _worker_args(settings, "sigmalang-pipe", "decode", MIB, "/data/cycle", inputs)
    assert decode[decode.index("--input") + 1] == "/data/pipe.sgl"
    assert "--input" not in _worker_args(settings, "whole", "encode", MIB, "/data/cycle", inputs)
