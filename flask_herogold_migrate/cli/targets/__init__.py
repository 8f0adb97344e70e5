"""Which databases a command runs on (``--bind``, ``--all-tenants``...), and how a command
over many of them ends: one summary, one JSON shape."""
