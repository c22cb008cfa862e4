"""Run a benchmark: `python bench/run.py import [options]` or `python bench/run.py search [options]`.

See bench/README.md; the figures go into docs/performance.md.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

BENCHES = {"import": "import_bench", "search": "search_bench"}


def main() -> None:
    if len(sys.argv) < 2 or sys.argv[1] not in BENCHES:
        print(__doc__)
        raise SystemExit(2)
    module = __import__(BENCHES[sys.argv[1]])
    module.main(sys.argv[2:])


if __name__ == "__main__":
    main()
