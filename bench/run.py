"""Run a benchmark: `python bench/run.py <name> [options]` (see bench/README.md); figures go to docs/performance.md."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

BENCHES = {"import": "import_bench", "search": "search_bench", "seed": "caseload", "pages": "pages_bench", "profile": "profile_pages"}


def main() -> None:
    if len(sys.argv) < 2 or sys.argv[1] not in BENCHES:
        print(__doc__)
        print("benchmarks:", ", ".join(BENCHES))
        raise SystemExit(2)
    module = __import__(BENCHES[sys.argv[1]])
    module.main(sys.argv[2:])


if __name__ == "__main__":
    main()
