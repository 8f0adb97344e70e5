"""Autogenerate: the models compared with the database, and the migration that follows."""
