"""Worker processes keep what they loaded at boot out of the garbage collector's passes, and collect less often."""
from __future__ import annotations

import gc

import dramatiq

# Net allocations (of objects the collector tracks, less those freed) between two young-generation passes, and
# young passes per middle one (middle per full): Python's defaults are (700, 10, 10). A set-based stage holds a
# batch's rows (some 100,000 objects for 2,000 orders, up to four batches at once in a process) and frees them when
# the batch ends. Each young pass walks every object still alive since the last one, so a threshold under that live
# set walked every row of every batch once more: at 50,000, 69-73 passes and 1.6-1.9 s of a worker process's 37 s
# of CPU over a 100,000-order pipeline bench. Above it no pass runs while batches come and go (none in the same
# bench) and a worker's memory stays where it was (155 MB either way); garbage here is rarely cyclic, and what
# reference counting frees is unaffected. Should cycles pile up, a pass runs after half a million of them.
THRESHOLDS = (500_000, 20, 20)


class FrozenBootHeap(dramatiq.Middleware):
    """After a worker process has booted (modules, actors, settings, connection pool), move every object it holds
    into the collector's permanent generation (``gc.freeze``): they live as long as the process, and a full
    collection would otherwise walk them all again. Then collect at ``THRESHOLDS``."""

    def after_process_boot(self, broker: dramatiq.Broker) -> None:
        gc.collect()
        gc.freeze()
        gc.set_threshold(*THRESHOLDS)
