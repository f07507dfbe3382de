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
    batch back), the batch is run again in halves, and a half that fails in halves again, so a bad order is
    isolated alone while the rest commit in batches: one bad order among 2,000 costs some 22 runs, not 2,000."""
    ids = list(ids)
    valid = [item for item in ids if _is_id(item)]
    result = BatchResult()
    if valid:
        _run_halving(valid, step, result, what=what)
    _settle([item for item in ids if not _is_id(item)], result.failed, what=what)
    return result


def _run_halving(ids: list[int], step: Callable[[list[int]], BatchResult], result: BatchResult, *,
                 what: str) -> None:
    try:
        result.merge(step(ids))
    except Exception as exc:  # noqa: BLE001 - isolate the order that broke the batch: halve until it stands alone
        if len(ids) == 1:
            result.failed[ids[0]] = exc
            return
        logger.warning("%s: a batch of %d failed (%r); running it in halves", what, len(ids), exc)
        middle = len(ids) // 2
        _run_halving(ids[:middle], step, result, what=what)
        _run_halving(ids[middle:], step, result, what=what)


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
