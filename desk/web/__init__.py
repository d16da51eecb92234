"""The web pages' static server (web chat page and hotline staff console)."""
