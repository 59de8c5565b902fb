"""Peak memory does not grow with input size (measured in fresh child processes:
the child's own high-water mark, VmHWM, where Linux provides it).

It is bounded by the settings: a decoder reading a pipe keeps the declared
reference window of recent output (two segments, 16 MiB, by default; 128 MiB
with references), because primed segments and REFERENCE copies read from it;
with the window at 0, only chunks in flight. The compressed stream is read
back through a pipe-like object here: the worst case.
"""

import json
import subprocess
import sys
import textwrap

import pytest

from sigmalang.settings import EncoderSettings

CHILD = textwrap.dedent(
    """
    import json, resource, sys, tempfile
    import sigmalang
    from sigmalang.profile.data import CycleStream, make_cycle

    total = int(sys.argv[1])
    settings = json.loads(sys.argv[2])
    cycle = make_cycle("mixed")  # 10 MiB of the mixed sample, pieces stamped as they repeat

    class Null:
        def write(self, data):
            return len(data)

    class Pipe:  # not seekable: the decoder cannot read the INDEX first
        def __init__(self, f):
            self.readinto = f.readinto

    with tempfile.TemporaryFile() as packed:
        enc = sigmalang.StreamingEncoder(threads=2, **settings).encode_stream(CycleStream(cycle, total), packed)
        packed.seek(0)
        dec = sigmalang.StreamingDecoder(2).decode_stream(Pipe(packed), Null())
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


def _peak_mib(total: int, settings: dict[str, object]) -> float:
    command = [sys.executable, "-c", CHILD, str(total), json.dumps(settings)]
    result = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)["peak_mib"]


@pytest.mark.slow  # in the default run too; `-m "not slow"` leaves it out for a quick check
@pytest.mark.parametrize(
    "settings", [{}, {"references": True}, {"reference_window": 0}], ids=["default", "references", "no-window"]
)
def test_peak_rss_of_a_512_mb_round_trip_is_within_100_mb_plus_the_window_of_a_1_mb_one(settings):
    small = _peak_mib(1 << 20, settings)
    large = _peak_mib(512 << 20, settings)
    kept = EncoderSettings(**settings).resolved_reference_window() / (1 << 20)  # type: ignore[arg-type]
    assert large - small < 100 + kept, f"peak RSS grew from {small:.0f} MiB to {large:.0f} MiB (window {kept:.0f} MiB)"
