"""A worker process freezes what it loaded at boot out of the collector's full passes."""
import gc

from workers.broker import broker
from workers.heap import FrozenBootHeap


def test_the_broker_of_every_worker_process_freezes_its_boot_heap():
    assert any(isinstance(middleware, FrozenBootHeap) for middleware in broker.middleware)


def test_after_boot_the_objects_loaded_so_far_leave_the_collected_generations():
    gc.unfreeze()
    try:
        FrozenBootHeap().after_process_boot(broker)
        assert gc.get_freeze_count() > 1000  # modules, actors, settings: everything this process holds
    finally:
        gc.unfreeze()
