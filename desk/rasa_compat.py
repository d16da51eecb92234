"""Every patch of, and reliance on, Rasa internals, in one place, for Rasa 3.6.21 only.

A patch of a private function silently does nothing (or worse, stores duplicates) when the
function it replaces has moved or changed. So ``check()`` verifies, at start-up, the Rasa
version and the presence and signature of every target below, and ``apply()`` refuses to
start (``IncompatibleRasa``) otherwise; ``python -m desk.rasa_server`` calls it first.

Patches (applied by ``apply()`` in the Rasa server process):

- ``RemoteAction._validate_action_result``: Rasa rebuilt a jsonschema validator of the large
  events schema for every action-server response (~40% of server time). We check the
  response's shape with a validator built once (events are still fully checked when Rasa
  deserialises them, which rejects unknown event types).
- ``rasa.shared.utils.common.all_subclasses``: walked the Event class tree for every event
  read from the tracker store; the tree does not change after start-up, so it is cached.
- ``rasa.core.run.load_agent_on_start``: after the model is loaded, ``gc.freeze()`` moves
  its hundreds of MB of long-lived objects out of the collector's reach (a full collection
  walked them all; the request that triggered one waited 130-490 ms).
- ``FailSafeTrackerStore.retrieve / retrieve_full_tracker / save``: Rasa falls back to an
  in-memory store when the database fails: a failed read starts the conversation afresh
  and a failed write keeps the turn only in memory, silently. Here the error is logged in
  one line and raised, so the channel tells the user (desk.channels.inputs "unavailable").

Reliances checked but not patched here:

- ``SQLTrackerStore._retrieve(sender_id, fetch_events_from_all_sessions)``, its ``SQLEvent``
  table and ``DialogueStateTracker.from_dict(..., max_event_history)``: overridden by the
  windowed store in desk.channels.stores.
- The socket.io channel (desk.channels.webchat) replaces handlers that Rasa's
  ``SocketIOInput.blueprint`` registers (``replace_socketio_handler`` checks they are there),
  awaits ``AsyncServer.enter_room`` (a coroutine in python-socketio 5) and overrides
  ``SocketIOOutput._send_message(socket_id, response)``.
"""

from __future__ import annotations

import gc
import inspect
import logging
from functools import lru_cache, wraps
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

import jsonschema

logger = logging.getLogger(__name__)

RASA_VERSION = "3.6.21"
_applied = False


class IncompatibleRasa(RuntimeError):
    """The installed Rasa is not the one these patches were written and tested against."""


def _target(dotted: str) -> Any:
    """The object at ``module:attr.attr``."""
    import importlib

    module_name, _, path = dotted.partition(":")
    obj: Any = importlib.import_module(module_name)
    for part in path.split("."):
        obj = getattr(obj, part)
    return obj


# dotted target -> its parameter names as Rasa 3.6.21 has them
SIGNATURES: Dict[str, Sequence[str]] = {
    "rasa.core.actions.action:RemoteAction._validate_action_result": ("self", "result"),
    "rasa.shared.utils.common:all_subclasses": ("cls",),
    "rasa.core.run:load_agent_on_start": ("model_path", "endpoints", "remote_storage", "app", "loop"),
    "rasa.core.tracker_store:FailSafeTrackerStore.retrieve": ("self", "sender_id"),
    "rasa.core.tracker_store:FailSafeTrackerStore.retrieve_full_tracker": ("self", "sender_id"),
    "rasa.core.tracker_store:FailSafeTrackerStore.save": ("self", "tracker"),
    "rasa.core.tracker_store:FailSafeTrackerStore.__init__": (
        "self", "tracker_store", "on_tracker_store_error", "fallback_tracker_store"),
    "rasa.core.tracker_store:SQLTrackerStore._retrieve": ("self", "sender_id", "fetch_events_from_all_sessions"),
    "rasa.core.tracker_store:SQLTrackerStore.save": ("self", "tracker"),
    "rasa.shared.core.trackers:DialogueStateTracker.from_dict": (
        "sender_id", "events_as_dict", "slots", "max_event_history"),
    "rasa.core.channels.socketio:SocketIOInput.blueprint": ("self", "on_new_message"),
    "rasa.core.channels.socketio:SocketIOOutput._send_message": ("self", "socket_id", "response"),
    "rasa.core.channels.socketio:SocketIOOutput.send_custom_json": (
        "self", "recipient_id", "json_message", "kwargs"),
}
SQL_EVENT_COLUMNS = ("id", "sender_id", "type_name", "timestamp", "intent_name", "action_name", "data")


def problems() -> List[str]:
    """What differs from the Rasa these patches expect (empty when all is as expected)."""
    import rasa

    found: List[str] = []
    if rasa.__version__ != RASA_VERSION:
        found.append(f"Rasa {rasa.__version__} is installed; desk.rasa_compat is written for {RASA_VERSION}")
    for dotted, expected in SIGNATURES.items():
        try:
            parameters = tuple(inspect.signature(_target(dotted)).parameters)
        except (ImportError, AttributeError, ValueError, TypeError) as exc:
            found.append(f"{dotted} is missing ({exc})")
            continue
        if parameters != tuple(expected):
            found.append(f"{dotted} has parameters {parameters}, expected {tuple(expected)}")
    try:
        from rasa.core.tracker_store import SQLTrackerStore

        columns = tuple(SQLTrackerStore.SQLEvent.__table__.columns.keys())
        if columns != SQL_EVENT_COLUMNS:
            found.append(f"SQLTrackerStore.SQLEvent has columns {columns}, expected {SQL_EVENT_COLUMNS}")
    except (ImportError, AttributeError) as exc:
        found.append(f"SQLTrackerStore.SQLEvent is missing ({exc})")
    try:
        from socketio import AsyncServer

        if not inspect.iscoroutinefunction(AsyncServer.enter_room):
            found.append("socketio.AsyncServer.enter_room is no longer a coroutine")
    except (ImportError, AttributeError) as exc:
        found.append(f"socketio.AsyncServer.enter_room is missing ({exc})")
    return found


def check() -> None:
    """Raise IncompatibleRasa naming every difference, if there is any."""
    found = problems()
    if found:
        raise IncompatibleRasa("refusing to start: " + "; ".join(found))


# --- the action-response check ---------------------------------------------------------

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


def validate_action_result(self: Any, result: Dict[str, Any]) -> bool:
    """Replacement of RemoteAction._validate_action_result (same contract: True or raise)."""
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


# --- cached subclass walk --------------------------------------------------------------


def cached_all_subclasses(original: Callable[[Any], List[Any]]) -> Callable[[Any], List[Any]]:
    """``original`` cached per class and number of direct subclasses (a class defined
    later still shows up)."""
    cache: Dict[Tuple[Any, int], List[Any]] = {}

    def all_subclasses(cls: Any) -> List[Any]:
        key = (cls, len(cls.__subclasses__()))
        if key not in cache:
            cache[key] = original(cls)
        return list(cache[key])

    return all_subclasses


# --- gc.freeze after the model is loaded -----------------------------------------------


def freezing_gc_after(load_agent_on_start: Any) -> Any:
    @wraps(load_agent_on_start)
    async def load_then_freeze(*args: Any, **kwargs: Any) -> Any:
        agent = await load_agent_on_start(*args, **kwargs)
        gc.collect()
        gc.freeze()
        return agent

    return load_then_freeze


# --- no silent in-memory fallback ------------------------------------------------------


class TrackerStoreError(RuntimeError):
    """The conversation store could not be read or written; the turn is not answered."""


def _short(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text[:200]}"


async def failsafe_retrieve(self: Any, sender_id: str) -> Any:
    try:
        return await self._tracker_store.retrieve(sender_id)
    except Exception as exc:
        logger.error("tracker store: reading %s failed: %s", sender_id, _short(exc))
        raise TrackerStoreError(f"could not read conversation {sender_id}") from None


async def failsafe_retrieve_full_tracker(self: Any, sender_id: str) -> Any:
    try:
        return await self._tracker_store.retrieve_full_tracker(sender_id)
    except Exception as exc:
        logger.error("tracker store: reading %s failed: %s", sender_id, _short(exc))
        raise TrackerStoreError(f"could not read conversation {sender_id}") from None


async def failsafe_save(self: Any, tracker: Any) -> None:
    try:
        await self._tracker_store.save(tracker)
    except Exception as exc:
        logger.error("tracker store: saving %s failed: %s", tracker.sender_id, _short(exc))
        raise TrackerStoreError(f"could not save conversation {tracker.sender_id}") from None


# --- socket.io -------------------------------------------------------------------------


def replace_socketio_handler(sio: Any, event: str, namespace: Optional[str], handler: Callable[..., Any]) -> None:
    """Put ``handler`` in place of the one Rasa's SocketIOInput.blueprint registered for
    ``event``; refuses (IncompatibleRasa) when Rasa registered none, since then ours would be
    an addition next to a handler we do not know."""
    registered = getattr(sio, "handlers", {}).get(namespace or "/", {})
    if event not in registered:
        raise IncompatibleRasa(f"Rasa's socket.io channel registers no {event!r} handler to replace")
    sio.on(event, namespace=namespace)(handler)


# --- applying --------------------------------------------------------------------------


def apply() -> None:
    """Check, then apply the patches above (once per process)."""
    global _applied
    if _applied:
        return
    check()
    import rasa.core.run as run
    import rasa.shared.utils.common as common
    from rasa.core.actions.action import RemoteAction
    from rasa.core.tracker_store import FailSafeTrackerStore

    RemoteAction._validate_action_result = validate_action_result  # type: ignore[method-assign]
    common.all_subclasses = cached_all_subclasses(common.all_subclasses)
    run.load_agent_on_start = freezing_gc_after(run.load_agent_on_start)
    FailSafeTrackerStore.retrieve = failsafe_retrieve  # type: ignore[method-assign]
    FailSafeTrackerStore.retrieve_full_tracker = failsafe_retrieve_full_tracker  # type: ignore[method-assign]
    FailSafeTrackerStore.save = failsafe_save  # type: ignore[method-assign]
    _applied = True
