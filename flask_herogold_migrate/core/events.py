"""Signals a run sends as it goes, with blinker (Flask's own signal library).

Each is sent by the :class:`~flask_herogold_migrate.MigrationManager` running, with the
keyword arguments ``name`` (the migration's name; None for the run's own signals),
``direction`` (``"up"`` or ``"down"``), ``duration`` (seconds; None when nothing has run
yet) and ``target`` (the bind or tenant, None for the default database).
``migration_failed`` also carries ``error``, the :class:`~flask_herogold_migrate.MigrationFailed`
about to be raised; ``run_finished`` carries ``names``, the migrations the run completed.

A run sends nothing, and this module is not even imported, until someone subscribes: the
runner looks for it among the loaded modules.
"""

from __future__ import annotations

from dataclasses import dataclass

from blinker import NamedSignal, Namespace

_NAMESPACE = Namespace()


@dataclass(frozen=True)
class Signals:
    """The run's signals, in the order a run sends them."""

    #: A run that has work starts, holding the migration lock.
    run_started: NamedSignal
    #: A migration's ``up()`` or ``down()`` starts.
    migration_started: NamedSignal
    #: A migration was applied and recorded.
    migration_applied: NamedSignal
    #: A migration was rolled back and its record removed.
    migration_rolled_back: NamedSignal
    #: A migration failed; ``error`` is what the run raises next.
    migration_failed: NamedSignal
    #: The run ended, well or not (after ``migration_failed``).
    run_finished: NamedSignal

    def receivers_connected(self) -> bool:
        """Whether any signal has a subscriber (a run without one sends nothing)."""
        return any(
            signal.receivers
            for signal in (
                self.run_started,
                self.migration_started,
                self.migration_applied,
                self.migration_rolled_back,
                self.migration_failed,
                self.run_finished,
            )
        )


#: ``from flask_herogold_migrate import signals``, then ``signals.migration_failed.connect(f)``.
signals = Signals(
    run_started=_NAMESPACE.signal("herogold-migrate.run-started"),
    migration_started=_NAMESPACE.signal("herogold-migrate.migration-started"),
    migration_applied=_NAMESPACE.signal("herogold-migrate.migration-applied"),
    migration_rolled_back=_NAMESPACE.signal("herogold-migrate.migration-rolled-back"),
    migration_failed=_NAMESPACE.signal("herogold-migrate.migration-failed"),
    run_finished=_NAMESPACE.signal("herogold-migrate.run-finished"),
)
