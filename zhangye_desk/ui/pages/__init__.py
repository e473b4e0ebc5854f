"""Feature pages of the main window: one module each, each with its own translation catalogue."""
