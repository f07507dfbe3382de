"""Worker processes keep what they loaded at boot out of the garbage collector's full passes."""
from __future__ import annotations

import gc

import dramatiq


class FrozenBootHeap(dramatiq.Middleware):
    """After a worker process has booted (modules, actors, settings, connection pool), move every object it holds
    into the collector's permanent generation (``gc.freeze``): they live as long as the process, and a full
    collection, which a batch of thousands of rows triggers now and then, would otherwise walk them all again."""

    def after_process_boot(self, broker: dramatiq.Broker) -> None:
        gc.collect()
        gc.freeze()
