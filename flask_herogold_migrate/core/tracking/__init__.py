"""The tracking table: its rows and their transitions, its DDL, and the startup check's
digest beside it."""
