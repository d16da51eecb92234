"""Alembic environment, shared by both databases: the Database (desk.migrations) is passed in
the config, so this file only connects and runs the revisions."""

from alembic import context
from sqlalchemy import create_engine

database = context.config.attributes["database"]


def run() -> None:
    url = context.config.get_main_option("sqlalchemy.url")
    if context.is_offline_mode():
        context.configure(url=url, target_metadata=database.metadata(), version_table=database.version_table,
                          literal_binds=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = create_engine(url, future=True)
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=database.metadata(),
                          version_table=database.version_table, compare_type=True,
                          include_object=database.include_object,
                          render_as_batch=connection.dialect.name == "sqlite")
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run()
