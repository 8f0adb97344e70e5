"""The models a database is compared with: found, checked against the database, and
explained when they cannot be compared."""
