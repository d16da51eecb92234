"""`desk serve actions|rasa|web`: each long-running server of the desk as one command, so a
container (deploy/compose.yml, deploy/k8s/) runs exactly what `make run` and the tests start
(desk.admin.processes builds its command lines from these roles). Each role replaces itself
with its server process (exec), so signals and exit codes are the server's own."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Dict, List, NoReturn

from desk import settings


def _exec(argv: List[str], env: Dict[str, str] | None = None) -> NoReturn:
    sys.stdout.flush()
    sys.stderr.flush()
    os.execve(argv[0], argv, {**os.environ, **(env or {})})


def _python() -> str:
    return str(Path(sys.executable))


def endpoints_file() -> str:
    """endpoints.yml, with the action server's URL from DESK_ACTION_URL when the action server
    runs elsewhere (another container); written under DESK_VAR_DIR."""
    url = os.environ.get("DESK_ACTION_URL")
    if not url:
        return str(settings.PROJECT_ROOT / "endpoints.yml")
    text = (settings.PROJECT_ROOT / "endpoints.yml").read_text(encoding="utf-8")
    path = settings.VAR_DIR / "endpoints.yml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text.replace("http://localhost:5055/webhook", url), encoding="utf-8")
    return str(path)


def serve_actions(args: argparse.Namespace) -> NoReturn:
    """The action server; on loopback unless a deployment puts it on its own host (--host)."""
    _exec([_python(), "-m", "rasa_sdk", "--actions", "actions", "--port", str(args.port)],
          {"SANIC_HOST": args.host})


def serve_rasa(args: argparse.Namespace) -> NoReturn:
    """The public port: the gateway and the DESK_RASA_REPLICAS Rasa servers behind it."""
    if args.model:
        model = args.model
    else:
        from desk.admin.publish import model_to_serve

        model = str(model_to_serve())
    argv = [_python(), "-m", "desk.gateway.server", "--host", args.host, "--port", str(args.port),
            "--admin-port", str(args.admin_port), "--model", model,
            "--endpoints", args.endpoints or endpoints_file(), "--log-dir", args.log_dir]
    if args.follow_published:
        argv.append("--follow-published")
    _exec(argv)


def serve_web(args: argparse.Namespace) -> NoReturn:
    argv = [_python(), "-m", "desk.web.serve", "--host", args.host, "--port", str(args.port),
            "--rasa-port", str(args.rasa_port)]
    if args.rasa_url:
        argv += ["--rasa-url", args.rasa_url]
    _exec(argv)


def add_parser(sub: "argparse._SubParsersAction") -> None:
    serve = sub.add_parser("serve", help="run one server of the desk (what each container runs)")
    add_roles(serve)


def add_roles(serve: argparse.ArgumentParser) -> None:
    roles = serve.add_subparsers(dest="role", required=True)

    actions = roles.add_parser("actions", help="the action server")
    actions.add_argument("--host", default=settings.LOOPBACK,
                         help="interface (default loopback; 0.0.0.0 inside a container network)")
    actions.add_argument("--port", type=int, default=settings.ACTION_PORT)
    actions.set_defaults(func=serve_actions)

    rasa = roles.add_parser("rasa", help="the public port: gateway + Rasa server(s)")
    rasa.add_argument("--host", default=settings.public_host())
    rasa.add_argument("--port", type=int, default=settings.PUBLIC_PORT)
    rasa.add_argument("--admin-port", type=int, default=settings.ADMIN_PORT)
    rasa.add_argument("--model", default=None, help="model archive (default: the published model)")
    rasa.add_argument("--endpoints", default=None, help="endpoints file (default: endpoints.yml, "
                      "with DESK_ACTION_URL when set)")
    rasa.add_argument("--log-dir", default=str(settings.VAR_DIR / "logs"))
    rasa.add_argument("--follow-published", action="store_true",
                      help="swap to the published model whenever `desk publish` or `desk rollback`, run "
                      "anywhere on the shared models volume, records a new one")
    rasa.set_defaults(func=serve_rasa)

    web = roles.add_parser("web", help="the web pages (chat, widget, staff and admin consoles)")
    web.add_argument("--host", default=settings.public_host())
    web.add_argument("--port", type=int, default=settings.WEB_PORT)
    web.add_argument("--rasa-port", type=int, default=settings.PUBLIC_PORT)
    web.add_argument("--rasa-url", default=None, help="public URL of the Rasa port behind a proxy")
    web.set_defaults(func=serve_web)


def main(argv: List[str] | None = None) -> None:
    """`python -m desk.admin.roles ROLE`: `desk serve ROLE` without loading the admin tool
    (its imports cost seconds at every server start)."""
    parser = argparse.ArgumentParser(prog="desk serve", description=__doc__.splitlines()[0])
    add_roles(parser)
    args = parser.parse_args(argv)
    args.func(args)


if __name__ == "__main__":
    main()
