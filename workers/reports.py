"""The report rollups a periodic refresh keeps (the inventory report's days and on-hand snapshot)."""
import dramatiq

from models.core.errors import BatchItemsFailed
from models.core.stages import REPORT_ROLLUPS
from models.reports.inventory_rollup import ROLLUP_NAME, keep_inventory_figures
from workers.options import PLANNING_STAGE


@dramatiq.actor(queue_name=REPORT_ROLLUPS.queue_name, actor_name=REPORT_ROLLUPS.actor_name, **PLANNING_STAGE)
def refresh_report_rollups(rollup: str) -> None:
    if rollup != ROLLUP_NAME:
        raise BatchItemsFailed(f"report rollup refresh: unknown rollup {rollup!r:.100}")
    keep_inventory_figures()
