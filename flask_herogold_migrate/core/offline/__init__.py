"""Offline SQL (``migrate:sql``): the script of a run, rendered without a database."""

#: The databases a script can be written for, as ``--dialect`` names them.
DIALECT_NAMES = ("mariadb", "mysql", "postgresql", "sqlite")
