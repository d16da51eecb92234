"""Developers: `python -m desk.migrations revision policies|tracker "what changed"` writes a new
revision from the difference between the models and a database migrated to the current head
(a throw-away SQLite file)."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from alembic import command

from desk.migrations import DATABASES, upgrade


def main(argv: list[str]) -> int:
    if len(argv) != 3 or argv[0] != "revision" or argv[1] not in DATABASES:
        print(__doc__, file=sys.stderr)
        return 2
    database = DATABASES[argv[1]]
    url = f"sqlite:///{Path(tempfile.mkdtemp()) / 'head.db'}"
    versions = sorted((Path(__file__).parent / database.name / "versions").glob("*.py"))
    if versions:
        upgrade(database, url)
    rev_id = f"{len(versions) + 1:04d}"
    command.revision(database.config(url), message=argv[2], autogenerate=True, rev_id=rev_id)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
