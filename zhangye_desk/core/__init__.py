"""Qt-free core: the local store, its migrations, the outbox and the domain functions.

Functions take the sqlite-utils ``Database`` first and never open connections themselves
(except ``store.open_db``). Nothing here may import PySide6 or the server package.
"""
