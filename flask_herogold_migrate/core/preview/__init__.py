"""Seeing a run before it happens: rehearsals (``--pretend``) and lint."""
