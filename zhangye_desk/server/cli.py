"""``zhangye-server`` entry point.

The central server (serve, init-db, enrol-code, import-roster, stats …) is built by the sync
issue; until then this command says so plainly instead of pretending.
"""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    print(
        "zhangye-server: 中心服务器尚未包含在此版本中。/ The central server is not part of this "
        "version yet.",
        file=sys.stderr,
    )
    return 2


if __name__ == "__main__":
    raise SystemExit(main())
