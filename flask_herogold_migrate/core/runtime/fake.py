"""Recording a plan without running it (``--fake``): Django's ``migrate --fake`` and Alembic's
``stamp``, for a schema that a person or another tool already brought where the plan leads.

Each step's row changes in a transaction of its own, under the migration lock the manager
holds, exactly as the step itself would have changed it: applied for ``up``, gone for ``down``.
"""

from __future__ import annotations

from sqlalchemy.engine import Connection

from ..dialects import DialectImpl
from ..progress import Progress, ProgressCallback
from .plan import MigrationPlan
from .tracking import TrackingTable


def record_without_running(
    conn: Connection,
    impl: DialectImpl,
    tracking: TrackingTable,
    plan: MigrationPlan,
    emit: ProgressCallback,
) -> None:
    for step in plan.steps:
        with impl.begin(conn):
            tracking.record(conn, step)
        emit(Progress("recorded", step.name, step.direction))
