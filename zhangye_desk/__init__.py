"""Zhangye Desk (张掖流动课堂): offline-first tent and horseback classroom attendance.

The package is layered: ``core`` and ``sync`` are Qt-free, ``ui`` is the only place that imports
PySide6, and ``server`` is never imported by the client.
"""

__version__ = "0.1.0"
