"""Recording a plan without running it (``--fake``): Django's ``migrate --fake`` and Alembic's
``stamp``, for a schema that a person or another tool already brought where the plan leads.

A third way to carry out a plan, beside the executor and the rehearsal: each step's row
changes in a transaction of its own, under the migration lock the run holds, exactly as the
step itself would have changed it: applied for ``up``, gone for ``down``.
"""

from __future__ import annotations

from ..dialects import DialectImpl
from ..files.loader import load_migration
from ..progress import Progress
from ..runtime.executor import Executor
from ..runtime.plan import MigrationPlan
from ..runtime.run import RunConnection


class Faker(Executor):
    """Writes each step's row and runs nothing."""

    @classmethod
    def carry_out(cls, run: RunConnection, impl: DialectImpl, plan: MigrationPlan) -> Faker:
        for step in plan.steps:
            load_migration(step.file)  # a file that could not run is refused all the same
        with run.tracking.changing(run.conn):  # the startup digest follows the records
            for step in plan.steps:
                with impl.begin(run.conn):
                    run.tracking.record(run.conn, step)
                run.emit(Progress("recorded", step.name, step.direction))
        return cls(run, impl)
