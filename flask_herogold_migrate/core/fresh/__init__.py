"""``migrate:fresh`` and ``migrate:refresh``: a database rebuilt from its migrations."""
