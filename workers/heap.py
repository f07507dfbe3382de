"""Worker processes keep what they loaded at boot out of the garbage collector's passes, and collect less often."""
from __future__ import annotations

import gc

import dramatiq

# Allocations between two young-generation passes, and young passes per middle one (middle per full): Python's
# defaults are (700, 10, 10). A set-based stage holds a batch's rows (some 100,000 objects for 2,000 orders) while it
# allocates as many again, and at the defaults every 70,000 allocations a full pass walked every one of them: 8 % of
# a worker's CPU in a pipeline bench. Garbage here is rarely cyclic; what reference counting frees is unaffected.
THRESHOLDS = (50_000, 20, 20)


class FrozenBootHeap(dramatiq.Middleware):
    """After a worker process has booted (modules, actors, settings, connection pool), move every object it holds
    into the collector's permanent generation (``gc.freeze``): they live as long as the process, and a full
    collection would otherwise walk them all again. Then collect at ``THRESHOLDS``."""

    def after_process_boot(self, broker: dramatiq.Broker) -> None:
        gc.collect()
        gc.freeze()
        gc.set_threshold(*THRESHOLDS)
