"""Taking over a database another tool made, and keeping a long history short: a baseline of
the live schema (``migrate:adopt``), an Alembic history converted (``--from-alembic``), and
applied migrations folded into one (``migrate:squash``)."""
