"""What each database's Alembic env.py runs: the Database (desk.migrations) comes in the
config, so both script directories share one environment."""

from alembic import context
from sqlalchemy import create_engine


def run() -> None:
    database = context.config.attributes["database"]
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
