"""Running one pipeline step over every id of a batch message, so one bad order never blocks the rest."""
from __future__ import annotations

import logging
from typing import Callable, Iterable

from models.core.errors import BatchItemsFailed, OMSError, TransientError

logger = logging.getLogger(__name__)


def run_for_each(ids: Iterable[int], step: Callable[[int], object], *, what: str) -> None:
    """Apply ``step`` to each id. Business errors are logged and the batch goes on; afterwards any
    other error (database, network) is re-raised so the message is retried (finished ids are skipped
    by their status guards), and business failures alone end in the dead-letter queue."""
    retryable: Exception | None = None
    failed: list[str] = []
    for item_id in ids:
        if isinstance(item_id, bool) or not isinstance(item_id, int):
            # A malformed message can never succeed: fail it for good so it lands with the dead letters.
            failed.append(f"{item_id!r}: not an id")
            continue
        try:
            step(item_id)
        except TransientError as exc:
            logger.warning("%s %s failed, will retry: %s", what, item_id, exc)
            retryable = retryable or exc
        except OMSError as exc:
            logger.error("%s %s failed for good: %s", what, item_id, exc)
            failed.append(f"{item_id}: {exc}")
        except Exception as exc:  # noqa: BLE001 - anything else may be transient: retry after the batch
            logger.warning("%s %s failed, will retry: %r", what, item_id, exc)
            retryable = retryable or exc
    if retryable is not None:
        raise retryable
    if failed:
        raise BatchItemsFailed(f"{what}: " + "; ".join(failed))
