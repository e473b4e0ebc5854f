"""Qt-free sync layer: wire shapes, HTTP client, sync engine, resumable downloads, bundles.

Must not import PySide6 or the server package. (Built by the sync-engine issue.)
"""
