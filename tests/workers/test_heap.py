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


def test_a_batch_held_and_freed_runs_no_collection_pass():
    passes = []

    def count(phase: str, info: dict) -> None:
        if phase == "start":
            passes.append(info["generation"])

    gc.unfreeze()
    before = gc.get_threshold()
    try:
        FrozenBootHeap().after_process_boot(broker)  # collects once, before the batches
        gc.callbacks.append(count)
        for _ in range(3):  # three batches of 2,000 orders' rows (lists of tuples), each held whole, then let go
            batch = [[(n, "line", n * 2) for n in range(30)] for _ in range(4_000)]
            del batch
        assert passes == []  # at the old threshold (50,000) each batch's rows were walked again
    finally:
        if count in gc.callbacks:
            gc.callbacks.remove(count)
        gc.unfreeze()
        gc.set_threshold(*before)
