"""`desk db upgrade` / `desk db status`: schema migrations of the policy database and the
tracker store (desk.migrations), run by `make db` and by a deployment's migrate job before
any server starts."""

from __future__ import annotations

import argparse

from desk import settings


def urls() -> dict[str, str]:
    return {"policies": settings.db_url(), "tracker": settings.tracker_url()}


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    from desk.migrations import DATABASES, upgrade

    for name, url in urls().items():
        for line in upgrade(DATABASES[name], url):
            print(line)
    if args.seed:  # one command for a deployment's migrate job
        from desk.admin.cli import cmd_policy_seed

        return cmd_policy_seed(argparse.Namespace(files=args.seed, by="seed"))
    return 0


def cmd_db_status(_: argparse.Namespace) -> int:
    from desk.migrations import DATABASES, current_revision, head

    behind = 0
    for name, url in urls().items():
        database = DATABASES[name]
        current, newest = current_revision(database, url), head(database)
        behind += current != newest
        print(f"{name:9} at {current or 'no revision'}, newest {newest}"
              + ("" if current == newest else "  -> run `desk db upgrade`"))
    return 1 if behind else 0


def add_parser(sub: "argparse._SubParsersAction") -> None:
    db = sub.add_parser("db", help="schema migrations of the policy database and the tracker store")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    up = db_sub.add_parser("upgrade", help="migrate both databases to the newest schema")
    up.add_argument("--seed", nargs="+", metavar="FILE_OR_DIR",
                    help="then fill the policy database from these files if it is empty (`desk policy seed`)")
    up.set_defaults(func=cmd_db_upgrade)
    db_sub.add_parser("status", help="each database's revision (exit 1 if one is behind)").set_defaults(
        func=cmd_db_status)
