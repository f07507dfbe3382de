"""A worker process freezes what it loaded at boot out of the collector's full passes."""
import gc

from workers.broker import broker
from workers.heap import THRESHOLDS, FrozenBootHeap


def test_the_broker_of_every_worker_process_freezes_its_boot_heap():
    assert any(isinstance(middleware, FrozenBootHeap) for middleware in broker.middleware)


def test_after_boot_the_objects_loaded_so_far_leave_the_collected_generations():
    gc.unfreeze()
    before = gc.get_threshold()
    try:
        FrozenBootHeap().after_process_boot(broker)
        assert gc.get_freeze_count() > 1000  # modules, actors, settings: everything this process holds
        assert gc.get_threshold() == THRESHOLDS != before  # and collects less often than Python's defaults
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)
