"""Entry point for the Rasa server: `python -m desk.rasa_server run ...` is `rasa run ...`
with two hot-path fixes applied first (found by profiling a running server with py-spy):

- Rasa 3.6 checks every action-server response with ``jsonschema.validate``, which re-checks
  the large events schema and rebuilds a validator on every call: about 40% of the server's
  time per message. We check the response's shape with a validator built once (events are
  still fully checked when Rasa deserialises them, which rejects unknown event types).
- ``all_subclasses`` walks the Event class tree for every event read from the tracker
  store; the tree does not change after start-up, so the walk is cached.
- Once the model is loaded, its objects (hundreds of MB that live as long as the process)
  are moved out of the garbage collector's reach with ``gc.freeze()``: otherwise every
  full collection walked them all, and a request that triggered one waited 130-490 ms.
"""

from __future__ import annotations

import gc
import sys
from functools import lru_cache, wraps
from typing import Any, Dict

import jsonschema

ACTION_RESPONSE_SHAPE = {
    "type": "object",
    "properties": {
        "events": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"event": {"type": "string"}},
                "required": ["event"],
            },
        },
        "responses": {"type": "array", "items": {"type": "object"}},
    },
}


@lru_cache(maxsize=1)
def _action_response_validator() -> jsonschema.protocols.Validator:
    jsonschema.Draft7Validator.check_schema(ACTION_RESPONSE_SHAPE)
    return jsonschema.Draft7Validator(ACTION_RESPONSE_SHAPE)


def _validate_action_result(self: Any, result: Dict[str, Any]) -> bool:
    from rasa.shared.constants import DOCS_BASE_URL

    try:
        _action_response_validator().validate(result)
        return True
    except jsonschema.ValidationError as e:
        e.message += (
            ". Failed to validate Action server response from API, make sure your response "
            "from the Action endpoint is valid. For more information about the format visit "
            f"{DOCS_BASE_URL}/custom-actions"
        )
        raise e


def _cached_all_subclasses() -> Any:
    import rasa.shared.utils.common as common

    original = common.all_subclasses
    cache: Dict[Any, Any] = {}

    def all_subclasses(cls: Any) -> Any:
        key = (cls, len(cls.__subclasses__()))
        if key not in cache:
            cache[key] = original(cls)
        return list(cache[key])

    return all_subclasses


def _freezing_gc_after(load_agent_on_start: Any) -> Any:
    @wraps(load_agent_on_start)
    async def load_then_freeze(*args: Any, **kwargs: Any) -> Any:
        agent = await load_agent_on_start(*args, **kwargs)
        gc.collect()
        gc.freeze()
        return agent

    return load_then_freeze


def apply_fixes() -> None:
    import rasa.core.run as run
    import rasa.shared.utils.common as common
    from rasa.core.actions.action import RemoteAction

    RemoteAction._validate_action_result = _validate_action_result  # type: ignore[method-assign]
    common.all_subclasses = _cached_all_subclasses()
    run.load_agent_on_start = _freezing_gc_after(run.load_agent_on_start)


def main() -> None:
    apply_fixes()
    from rasa.__main__ import main as rasa_main

    sys.argv[0] = "rasa"
    rasa_main()


if __name__ == "__main__":
    main()
