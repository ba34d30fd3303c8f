"""Run the benchmarks: ``python -m bench [NAME ...]``.

Every module ``bench/bench_<name>.py`` has a ``main() -> int`` that prints its results and
returns 0 when they meet the module's target. With names, only those run (``emulator_send``
runs ``bench_emulator_send``). The exit status is non-zero if any benchmark missed its target.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path


def discover() -> list[str]:
    here = Path(__file__).parent
    return sorted(path.stem for path in here.glob("bench_*.py"))


def run(names: list[str]) -> int:
    available = discover()
    wanted = [n if n.startswith("bench_") else f"bench_{n}" for n in names] or available
    unknown = [n for n in wanted if n not in available]
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}; available: {', '.join(available)}")
        return 2
    failed = []
    for name in wanted:
        print(f"== {name}", flush=True)
        module = importlib.import_module(f"bench.{name}")
        if module.main() != 0:
            failed.append(name)
    if failed:
        print(f"missed target: {', '.join(failed)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(run(sys.argv[1:]))
