"""Running migrations: plans, the executor, the tracking table, the lock, the run's connection."""
