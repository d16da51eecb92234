"""Admin tooling: the `desk` command (import, generate, train) and its helpers."""
