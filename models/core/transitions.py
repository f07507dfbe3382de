"""The one way a status changes: checked against the state machine, guarded, idempotent, audited."""
from __future__ import annotations

from models.core.audit import StatusChange
from models.core.base import utc_now
from models.core.db import database
from models.core.errors import InvalidTransition
from models.core.registry import status_table
from models.core.states import MACHINES, can_transition, sources_of
from models.core.text_messages import TextMessage
from models.core.texts import Text


def transition(entity: str, entity_id: int, to: str, *, actor: str, reason: str = "",
               expected: str | tuple[str, ...] | None = None) -> bool:
    """Move ``entity_id`` to ``to`` if it is in ``expected`` (default: any state allowed to reach ``to``).

    Runs ``UPDATE … WHERE status IN expected``: of two racing callers exactly one wins. Returns
    True when this call made the change, False when the row was not in an expected state (already
    moved, e.g. a redelivered message), so a caller can simply stop.
    """
    if entity not in MACHINES:
        raise InvalidTransition(TextMessage(Text("unknown entity %(entity)s; known: %(known)s", entity=repr(entity),
                                                  known=", ".join(MACHINES))))
    sources = _expected_sources(entity, to, expected)
    model = status_table(entity)
    changes = {model.status: to, model.status_changed_at: utc_now()}
    if hasattr(model, "status_reason"):
        changes[model.status_reason] = reason
    with database.atomic():
        current = model.select(model.status).where(model.id == entity_id).scalar()
        if current is None or current not in sources:
            return False
        updated = model.update(changes).where(model.id == entity_id, model.status == current).execute()
        if not updated:
            return False
        StatusChange.create(entity=entity, entity_id=entity_id, from_status=current, to_status=to,
                            actor=actor, reason=reason)
    return True


def record_creation(entity: str, entity_id: int, status: str, *, actor: str, reason: str = "") -> None:
    """Open the audit trail of a new entity with its first status."""
    StatusChange.create(entity=entity, entity_id=entity_id, from_status=None, to_status=status,
                        actor=actor, reason=reason)


def _expected_sources(entity: str, to: str, expected) -> tuple[str, ...]:
    if expected is None:
        sources = sources_of(entity, to)
        if not sources:
            raise InvalidTransition(TextMessage(Text("no %(entity)s state may move to %(to)s", entity=entity,
                                                      to=repr(to))))
        return sources
    sources = (expected,) if isinstance(expected, str) else tuple(expected)
    for source in sources:
        if not can_transition(entity, source, to):
            raise InvalidTransition(TextMessage(Text("%(entity)s may not move from %(source)s to %(to)s", entity=entity,
                                                      source=repr(source), to=repr(to))))
    return sources
