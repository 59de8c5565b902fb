"""Peak memory does not grow with input size (measured in fresh child processes:
the child's own high-water mark, VmHWM, where Linux provides it)."""

import json
import subprocess
import sys
import textwrap

CHILD = textwrap.dedent(
    """
    import json, resource, sys, tempfile
    import sigmalang
    from sigmalang.profile.data import CycleStream, make_cycle

    total = int(sys.argv[1])
    cycle = make_cycle("mixed")  # 10 MiB of the mixed sample, pieces stamped as they repeat

    class Null:
        def write(self, data):
            return len(data)

    with tempfile.TemporaryFile() as packed:
        enc = sigmalang.StreamingEncoder(threads=2).encode_stream(CycleStream(cycle, total), packed)
        packed.seek(0)
        dec = sigmalang.StreamingDecoder(2).decode_stream(packed, Null())
    assert dec.bytes_out == total, (dec.bytes_out, total)
    # VmHWM is this process's own peak; ru_maxrss can include the parent's
    # memory at fork time and would hide a smaller peak here.
    try:
        with open("/proc/self/status") as status:
            peak_kib = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
    except OSError:
        peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"peak_mib": peak_kib / 1024, "compressed": enc.bytes_out}))
    """
)


def _peak_mib(total: int) -> float:
    result = subprocess.run([sys.executable, "-c", CHILD, str(total)], capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)["peak_mib"]


def test_peak_rss_of_a_512_mb_round_trip_is_within_100_mb_of_a_1_mb_one():
    small = _peak_mib(1 << 20)
    large = _peak_mib(512 << 20)
    assert large - small < 100, f"peak RSS grew from {small:.0f} MiB to {large:.0f} MiB"
