import json

import pytest

from sigmalang.bench.codecs import Spec, missing
from sigmalang.bench.runner import BenchInput, BenchSettings, run_bench
from sigmalang.cli.bench_cmd import main
from sigmalang.profile.schema import bench_problems

MIB = 1 << 20


@pytest.mark.parametrize(
    "argv, option",
    [
        (["--runs", "0"], "--runs"),
        (["--size", "-3"], "--size"),
        (["--levels", "1,40"], "--levels"),
        (["--budget", "soon"], "--budget"),
        (["--data", "video"], "--data"),
        (["/no/such/file"], "PATH"),
        (["--plot", "chart.svg"], "--plot"),
    ],
)
def test_bad_arguments_exit_2_naming_the_option(argv, option, capsys):
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    assert option in capsys.readouterr().err


def test_a_tiny_bench_on_text_writes_valid_json_with_sane_numbers(tmp_path, capsys):
    out = tmp_path / "bench.json"
    assert main(["--size", "1", "--data", "text", "--runs", "1", "--levels", "3", "--no-cli", "--json", str(out), "-q"]) == 0
    doc = json.loads(out.read_text())
    assert bench_problems(doc) == []
    (item,) = doc["inputs"]
    assert item["bytes"] == MIB
    names = {r["name"] for r in item["results"]}
    assert {"zlib -6", "lzma -6"} <= names
    assert any(n.startswith("sigmalang -3") for n in names) and any(n.startswith("zstandard -3") for n in names)
    for r in item["results"]:
        assert r["ratio"] > 1.5, r["name"]
        assert r["compress_mb_s"]["best"] > 0.1 and r["decompress_mb_s"]["best"] > 1
        assert r["input_bytes"] == MIB
    assert any(r["pareto"] for r in item["results"])
    assert "built-in text sample" in capsys.readouterr().out


def test_a_path_input_and_a_missing_peer_are_reported(tmp_path):
    path = tmp_path / "data.csv"
    path.write_bytes(b"1,2,3,4\n" * 20000)
    doc = run_bench([BenchInput("data.csv", str(path))], BenchSettings(runs=1, zstd_cli=False),
                    specs=[Spec("zlib", 1), Spec("lzma", 6, capped=True)])
    (item,) = doc["inputs"]
    assert [r["name"] for r in item["results"]] == ["zlib -1", "lzma -6"]
    assert item["results"][1]["capped"] is False, "the file is below the cap"
    assert item["results"][0]["ratio"] > 10


def test_capped_codecs_measure_only_the_cap(tmp_path):
    path = tmp_path / "big.txt"
    path.write_bytes(b"abcdefgh" * (3 * MIB // 8))
    doc = run_bench([BenchInput("big", str(path))], BenchSettings(runs=1, zstd_cli=False, cap=MIB), specs=[Spec("lzma", 1, capped=True)])
    (result,) = doc["inputs"][0]["results"]
    assert result["capped"] is True and result["input_bytes"] == MIB and "first 1 MiB" in result["note"]


def test_missing_reports_an_absent_module(monkeypatch):
    import sigmalang.bench.codecs as codecs

    monkeypatch.setitem(codecs.MODULES, "brotli", "surely_not_installed_module_xyz")
    assert missing("brotli") == "surely_not_installed_module_xyz is not installed"
    assert missing("zlib") is None
