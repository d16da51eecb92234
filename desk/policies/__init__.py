"""The policy database: schema of the import format, ORM models, import and read access."""
