"""The rules of the queue cockpit: what may happen to a dead letter, and when the queues need an ops alert.

Standard library and models.core.texts only: the tables and the broker readings are loaded elsewhere and passed in.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from models.core.text_messages import TextMessage
from models.core.texts import Text

DEAD_LETTER_OPEN = "open"
DEAD_LETTER_RETRIED = "retried"
DEAD_LETTER_DISCARDED = "discarded"
DEAD_LETTER_STATUSES = (DEAD_LETTER_OPEN, DEAD_LETTER_RETRIED, DEAD_LETTER_DISCARDED)
# Only an open dead letter is decided; a decided one stays as it is (a retry that dies again is a new dead letter).
DEAD_LETTER_TRANSITIONS = {DEAD_LETTER_OPEN: (DEAD_LETTER_RETRIED, DEAD_LETTER_DISCARDED)}
DECISIONS = {"retry": DEAD_LETTER_RETRIED, "discard": DEAD_LETTER_DISCARDED}
MAX_ERROR_CHARS = 2000
MAX_NOTE_CHARS = 2000
BACKLOG_GROWING_SAMPLES = 5  # the outbox backlog grew across this many consecutive samples: the relay is behind
OUTBOX_QUEUE = "(outbox)"  # the name the outbox backlog is sampled under, beside the broker's queues


def may_decide(status: str, target: str) -> bool:
    """Whether a dead letter in ``status`` may become ``target``."""
    return target in DEAD_LETTER_TRANSITIONS.get(status, ())


def note_problem(note: str, *, bulk: bool) -> str | None:
    """Why a decision's note is refused, or None: optional for one dead letter, required for many at once."""
    if len(note) > MAX_NOTE_CHARS:
        return TextMessage(Text("the note is %(length)s characters; at most %(most)s", length=len(note),
                                most=MAX_NOTE_CHARS))
    if bulk and not note.strip():
        return TextMessage(Text("a note is required when deciding several dead letters at once: say why"))
    return None


def trimmed_error(text: str) -> str:
    """An exception text short enough to store and show: its beginning and its end, where the cause usually is."""
    if len(text) <= MAX_ERROR_CHARS:
        return text
    half = MAX_ERROR_CHARS // 2 - 3
    return f"{text[:half]} … {text[-half:]}"


def linked_ids(actor_name: str, args: Sequence, *, order_actors: Iterable[str], return_actors: Iterable[str]
               ) -> dict[str, list[int]]:
    """The order or return ids a message's arguments name: a stage takes a list of ids (or one id) first."""
    first = args[0] if args else None
    ids = first if isinstance(first, list) else [first]
    ids = [i for i in ids if isinstance(i, int) and not isinstance(i, bool)]
    if actor_name in set(order_actors):
        return {"order_ids": ids, "return_ids": []}
    if actor_name in set(return_actors):
        return {"order_ids": [], "return_ids": ids}
    return {"order_ids": [], "return_ids": []}


@dataclass(frozen=True)
class QueueReading:
    """One queue's state as read from the broker and the dead-letter table; None where the broker did not say."""

    name: str
    ready: int | None
    unacked: int | None
    delayed: int | None
    dead: int
    consumers: int | None


def queue_alerts(queues: Sequence[QueueReading], backlog_history: Sequence[int], *,
                 stage_queues: Iterable[str], growing_samples: int = BACKLOG_GROWING_SAMPLES) -> list[TextMessage]:
    """The ops alerts the queues raise now: open dead letters, a stage queue with messages ready and no consumer,
    an outbox backlog that grew across the last ``growing_samples`` samples (``backlog_history`` oldest first).
    Each reads as its English and keeps its Text for the portal."""
    alerts = []
    stages = set(stage_queues)
    for queue in queues:
        if queue.dead > 0:
            alerts.append(Text("%(queue)s: %(count)s open dead letter", queue=queue.name, count=queue.dead)
                          if queue.dead == 1 else
                          Text("%(queue)s: %(count)s open dead letters", queue=queue.name, count=queue.dead))
        if queue.name in stages and queue.consumers == 0 and (queue.ready or 0) > 0:
            alerts.append(Text("%(queue)s: %(count)s messages ready and no consumer (is `oms worker` running?)",
                               queue=queue.name, count=queue.ready))
    if backlog_growing(backlog_history, growing_samples):
        alerts.append(Text("outbox backlog growing over the last %(samples)s samples (%(first)s → %(last)s): "
                           "is `oms relay` running?", samples=growing_samples,
                           first=backlog_history[-growing_samples], last=backlog_history[-1]))
    return [TextMessage(alert) for alert in alerts]


def backlog_growing(history: Sequence[int], samples: int) -> bool:
    """Whether each of the last ``samples`` values is larger than the one before it."""
    if samples < 2 or len(history) < samples:
        return False
    tail = history[-samples:]
    return all(later > earlier for earlier, later in zip(tail, tail[1:]))


def rates_per_minute(samples: Sequence[tuple[float, int | None]]) -> list[float | None]:
    """Per-minute rates between consecutive (seconds, cumulative count) samples: one value per interval, None
    where a count is unknown or went down (the broker restarted and its counters began again)."""
    rates: list[float | None] = []
    for (t0, c0), (t1, c1) in zip(samples, samples[1:]):
        if c0 is None or c1 is None or c1 < c0 or t1 <= t0:
            rates.append(None)
        else:
            rates.append(round((c1 - c0) * 60.0 / (t1 - t0), 2))
    return rates


def summed(mapping: Mapping[str, int | None]) -> int | None:
    """The sum of known values, None when none is known."""
    known = [v for v in mapping.values() if v is not None]
    return sum(known) if known else None
