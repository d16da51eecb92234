"""`make run`: start the action server, the Rasa server and the web pages, print their URLs,
and stop them all on Ctrl-C."""

from __future__ import annotations

import signal
import socket
import sys
import time
from pathlib import Path

from desk import settings
from desk.admin.processes import ROOT, action_server, base_env, gateway_server, wait_model_loaded, web_server
from desk.admin.publish import model_to_serve

RASA_PORT, ACTION_PORT, WEB_PORT = 5005, 5055, 8080


def port_in_use(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def main() -> int:
    busy = [p for p in (RASA_PORT, ACTION_PORT, WEB_PORT) if port_in_use(p)]
    if busy:
        sys.exit(f"port(s) {', '.join(map(str, busy))} already in use: is another desk running?")
    secrets = {name: settings.secret(name) for name in settings.GENERATED_SECRETS}
    env = base_env(secrets)
    logs = settings.VAR_DIR / "logs"
    servers = [
        action_server(ACTION_PORT, env, logs),
        gateway_server(RASA_PORT, str(model_to_serve()), str(ROOT / "endpoints.yml"), env, logs),
    ]
    web = web_server(WEB_PORT, RASA_PORT, env, logs)
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
        wait_model_loaded(RASA_PORT, secrets["RASA_AUTH_TOKEN"])
    except (RuntimeError, TimeoutError) as exc:
        print(f"start-up failed: {exc}", file=sys.stderr)
        stop()
    print(
        "\nThe desk is running:\n"
        f"  Rasa server           http://localhost:{RASA_PORT}  (REST: /webhooks/rest/webhook)\n"
        f"  hotline assistant     http://localhost:{RASA_PORT}/webhooks/hotline/webhook\n"
        f"  WeChat callback       http://localhost:{RASA_PORT}/webhooks/wechat/webhook\n"
        f"  action server         http://localhost:{ACTION_PORT}/webhook\n"
        + (f"  web chat              http://localhost:{WEB_PORT}/\n"
           f"  staff console         http://localhost:{WEB_PORT}/staff\n"
           f"  admin console         http://localhost:{WEB_PORT}/admin\n" if web else "")
        + f"Tokens (local defaults, from {Path(settings.LOCAL_SECRETS).relative_to(ROOT) if settings.LOCAL_SECRETS.is_relative_to(ROOT) else settings.LOCAL_SECRETS}; "
        "set DESK_STAFF_TOKEN / RASA_AUTH_TOKEN to override):\n"
        f"  DESK_STAFF_TOKEN={secrets['DESK_STAFF_TOKEN']}\n"
        f"  DESK_ADMIN_TOKEN={secrets['DESK_ADMIN_TOKEN']}\n"
        "Press Ctrl-C to stop.",
        flush=True,
    )
    while True:
        for server in servers:
            if server.process and server.process.poll() is not None:
                print(f"{server.name} stopped unexpectedly; see {server.log_path}", file=sys.stderr)
                stop()
        time.sleep(1)


if __name__ == "__main__":
    sys.exit(main())
