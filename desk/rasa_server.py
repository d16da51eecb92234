"""Entry point for the Rasa server: `python -m desk.rasa_server run ...` is `rasa run ...`
after desk.rasa_compat has checked the installed Rasa and applied its patches (it refuses
to start on a Rasa it was not written for).

The API token comes from the environment (RASA_AUTH_TOKEN) and is added to the arguments
inside this process only, so it never appears on a command line (``ps``, /proc/*/cmdline).
"""

from __future__ import annotations

import os
import sys
from typing import List

from desk import rasa_compat


def with_token_from_env(argv: List[str]) -> List[str]:
    """``argv`` plus ``--auth-token $RASA_AUTH_TOKEN`` when the variable is set."""
    token = os.environ.get("RASA_AUTH_TOKEN")
    if token and "--auth-token" not in argv:
        return [*argv, "--auth-token", token]
    return argv


def main() -> None:
    try:
        rasa_compat.apply()
    except rasa_compat.IncompatibleRasa as exc:
        raise SystemExit(str(exc)) from None
    from rasa.__main__ import main as rasa_main

    sys.argv = ["rasa", *with_token_from_env(sys.argv[1:])]
    rasa_main()


if __name__ == "__main__":
    main()
