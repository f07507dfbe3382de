"""Running a pipeline step over the ids of a batch message, so one bad order never blocks the rest."""
from __future__ import annotations

import logging
from typing import Callable, Iterable

from models.core.bulk import BatchResult
from models.core.errors import BatchItemsFailed, OMSError, TransientError

logger = logging.getLogger(__name__)


def run_batch(ids: Iterable[int], step: Callable[[list[int]], BatchResult], *, what: str) -> BatchResult:
    """Run the set-based ``step`` over the whole batch in one go. The ids it sets aside (``BatchResult.failed``)
    are settled as ``run_for_each`` settles them; when the step fails as a whole (a database error rolled the
    batch back), each id is run alone, so a bad order is found and isolated and the rest still commit."""
    ids = list(ids)
    valid = [item for item in ids if _is_id(item)]
    try:
        result = step(valid) if valid else BatchResult()
    except Exception as exc:  # noqa: BLE001 - isolate the order that broke the batch by running them one by one
        if len(valid) <= 1:
            result = BatchResult(failed={item: exc for item in valid})
        else:
            logger.warning("%s: the batch of %d failed (%r); running them one at a time", what, len(valid), exc)
            result = BatchResult()
            for item in valid:
                try:
                    result.merge(step([item]))
                except Exception as single:  # noqa: BLE001 - settled below with the others
                    result.failed[item] = single
    _settle([item for item in ids if not _is_id(item)], result.failed, what=what)
    return result


def run_for_each(ids: Iterable[int], step: Callable[[int], object], *, what: str) -> None:
    """Apply ``step`` to each id. Business errors are logged and the batch goes on; afterwards any
    other error (database, network) is re-raised so the message is retried (finished ids are skipped
    by their status guards), and business failures alone end in the dead-letter queue."""
    failed: dict[int, Exception] = {}
    malformed = []
    for item_id in ids:
        if not _is_id(item_id):
            malformed.append(item_id)
            continue
        try:
            step(item_id)
        except Exception as exc:  # noqa: BLE001 - settled after the batch
            failed[item_id] = exc
    _settle(malformed, failed, what=what)


def _settle(malformed: list, failed: dict[int, Exception], *, what: str) -> None:
    """Re-raise the first error that may clear (the message is retried; finished ids skip by their status
    guards); else fail the message for good with every business error, so it lands with the dead letters."""
    retryable: Exception | None = None
    reasons = [f"{item!r}: not an id" for item in malformed]  # a malformed message can never succeed
    for item_id, exc in failed.items():
        if isinstance(exc, OMSError) and not isinstance(exc, TransientError):
            logger.error("%s %s failed for good: %s", what, item_id, exc)
            reasons.append(f"{item_id}: {exc}")
        else:  # TransientError, or anything else (database, network): may clear, retry after the batch
            logger.warning("%s %s failed, will retry: %r", what, item_id, exc)
            retryable = retryable or exc
    if retryable is not None:
        raise retryable
    if reasons:
        raise BatchItemsFailed(f"{what}: " + "; ".join(reasons))


def _is_id(item) -> bool:
    return isinstance(item, int) and not isinstance(item, bool)
