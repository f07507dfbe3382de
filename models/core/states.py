"""The registry of state machines: each context registers its entity's statuses and allowed moves, and the checks
read them here. Pure: no framework imports."""
from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

Transitions = Mapping[str, tuple[str, ...]]

_machines: dict[str, Transitions] = {}
MACHINES: Mapping[str, Transitions] = MappingProxyType(_machines)  # a live, read-only view of the registry


def register_machine(entity: str, transitions: Transitions) -> None:
    """Declare ``entity``'s state machine; called once by the context that owns the entity."""
    known = _machines.get(entity)
    if known is not None and known is not transitions:
        raise ValueError(f"a different state machine is already registered for {entity!r}")
    for status, targets in transitions.items():
        unknown = [target for target in targets if target not in transitions]
        if unknown:
            raise ValueError(f"{entity} status {status!r} moves to undeclared statuses {unknown}")
    _machines[entity] = transitions


def can_transition(machine: str, current: str, target: str) -> bool:
    return target in MACHINES[machine].get(current, ())


def sources_of(machine: str, target: str) -> tuple[str, ...]:
    """Every state from which ``target`` may be reached."""
    return tuple(s for s, nxt in MACHINES[machine].items() if target in nxt)
