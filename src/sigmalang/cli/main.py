"""Entry point: ``sigmalang [options] [FILE...]`` or ``sigmalang SUBCOMMAND ...``.

Exit status: 0 success, 1 a file failed, 2 usage error, 128 + N ended by signal N
(130 SIGINT, 143 SIGTERM).
"""

from __future__ import annotations

import sys
from typing import Callable, Sequence

from .args import build_parser


def _subcommands() -> dict[str, Callable[[list[str]], int]]:
    from . import bench_cmd, demo, info, profile_cmd, salvage_cmd

    return {
        "info": info.main,
        "verify": lambda argv: main(["--test", *argv]),
        "salvage": salvage_cmd.main,
        "demo": demo.main,
        "bench": bench_cmd.main,
        "profile": profile_cmd.main,
    }


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    from .safety import Terminated, exit_status_for, signals_end_cleanly

    try:
        with signals_end_cleanly():
            return _dispatch(args)
    except (KeyboardInterrupt, Terminated) as exc:
        print("sigmalang: interrupted; no partial output was kept", file=sys.stderr)
        return exit_status_for(exc)


def _dispatch(args: list[str]) -> int:
    commands = _subcommands()
    if args and args[0] in commands:
        return commands[args[0]](args[1:])
    parser = build_parser()
    options = parser.parse_args(args)
    if options.scheduler is not None and options.action != "list":
        from .cluster import run_on_cluster

        return run_on_cluster(options, parser)
    from .files import run_files

    return run_files(options, parser)


if __name__ == "__main__":
    sys.exit(main())
