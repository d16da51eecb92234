"""`make run`: start the action server, the gateway (public port + loopback admin port, with
the Rasa server behind it) and the web pages, print their URLs, restart any of them that
crashes (desk.admin.processes.Supervisor; the gateway restarts its Rasa backend itself), and
stop them all on Ctrl-C."""

from __future__ import annotations

import argparse
import signal
import socket
import sys
import time
from pathlib import Path
from typing import List, Optional

from desk import settings
from desk.admin.processes import (
    ROOT,
    Supervisor,
    action_server,
    base_env,
    gateway_server,
    wait_model_loaded,
    web_server,
    write_endpoints,
)
from desk.admin.publish import model_to_serve


def port_in_use(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex((settings.LOOPBACK, port)) == 0


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=settings.PUBLIC_PORT, help="public port (channels)")
    parser.add_argument("--admin-port", type=int, default=settings.ADMIN_PORT, help="loopback admin port")
    parser.add_argument("--action-port", type=int, default=settings.ACTION_PORT)
    parser.add_argument("--web-port", type=int, default=settings.WEB_PORT)
    parser.add_argument("--model", help="model file (default: the newest in models/)")
    args = parser.parse_args(argv)
    ports = (args.port, args.admin_port, args.action_port, args.web_port)
    busy = [p for p in ports if port_in_use(p)]
    if busy:
        sys.exit(f"port(s) {', '.join(map(str, busy))} already in use: is another desk running?")
    secrets = {name: settings.secret(name) for name in settings.GENERATED_SECRETS}
    env = base_env(secrets)
    logs = settings.VAR_DIR / "logs"
    endpoints = str(ROOT / "endpoints.yml")
    if args.action_port != settings.ACTION_PORT:
        endpoints = str(write_endpoints(settings.VAR_DIR / "endpoints.yml", args.action_port))
    servers = [
        action_server(args.action_port, env, logs),
        gateway_server(args.port, args.model or str(model_to_serve()), endpoints, env, logs,
                       admin_port=args.admin_port),
    ]
    web = web_server(args.web_port, args.port, env, logs)
    if web:
        servers.append(web)
    stopping = False

    def stop(*_: object) -> None:
        nonlocal stopping
        if not stopping:
            stopping = True
            print("\nstopping…", flush=True)
            for server in reversed(servers):
                server.stop()
            sys.exit(0)

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    print("starting the action server, the Rasa server (behind its gateway) and the web pages "
          "(logs in var/logs/)…", flush=True)
    for server in servers:
        server.start()
    try:
        for server in servers:
            server.wait_ready()
        wait_model_loaded(args.admin_port, secrets["RASA_AUTH_TOKEN"])
    except (RuntimeError, TimeoutError) as exc:
        print(f"start-up failed: {exc}", file=sys.stderr)
        stop()
    secrets_file = settings.LOCAL_SECRETS
    shown = secrets_file.relative_to(ROOT) if secrets_file.is_relative_to(ROOT) else secrets_file
    print(
        "\nThe desk is running:\n"
        f"  channels (public)     http://localhost:{args.port}  (REST: /webhooks/rest/webhook)\n"
        f"  hotline assistant     http://localhost:{args.port}/webhooks/hotline/webhook\n"
        f"  WeChat callback       http://localhost:{args.port}/webhooks/wechat/webhook\n"
        f"  health                http://localhost:{args.port}/health\n"
        f"  admin (loopback)      http://127.0.0.1:{args.admin_port}  (Rasa API, /_gateway/status, /metrics)\n"
        f"  action server         http://127.0.0.1:{args.action_port}/webhook  (loopback)\n"
        + (f"  web chat              http://localhost:{args.web_port}/\n"
           f"  staff console         http://localhost:{args.web_port}/staff\n"
           f"  admin console         http://localhost:{args.web_port}/admin  (DESK_ADMIN_TOKEN)\n" if web else "")
        + f"Tokens: from the environment, else generated into {Path(shown)} (mode 600), e.g.\n"
        f"  TOKEN=$(grep DESK_STAFF_TOKEN {shown} | cut -d= -f2)\n"
        "Press Ctrl-C to stop.",
        flush=True,
    )
    supervisor = Supervisor(servers)
    while True:
        supervisor.tick()
        time.sleep(0.5)


if __name__ == "__main__":
    sys.exit(main())
