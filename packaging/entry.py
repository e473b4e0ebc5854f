"""The packaged executable's entry point: ``zhangye-desk`` (and ``zhangye-desk-cli`` on Windows).

A windowed build has no ``sys.stdout``/``sys.stderr`` at all (they are ``None``): give them a
sink before anything can print, then run the same command line as ``python -m zhangye_desk.cli``.
"""

from zhangye_desk.logging_setup import ensure_std_streams

ensure_std_streams()

from zhangye_desk.cli import main  # noqa: E402  (after the streams exist)

raise SystemExit(main())
