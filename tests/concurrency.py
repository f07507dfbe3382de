"""Racing one call from several threads, each on its own pooled connection, for tests of exactly-once effects."""
from __future__ import annotations

import threading
from typing import Callable

from models.core.db import database


def same_call_in_threads(call: Callable[[], object], times: int = 4) -> tuple[list, list[BaseException]]:
    """Run ``call`` in ``times`` threads at once; returns (what each returned, what each raised)."""
    results, errors = [], []

    def run() -> None:
        try:
            with database.connection_context():
                results.append(call())
        except Exception as exc:  # noqa: BLE001 - handed to the test's assertions
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(times)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results, errors
