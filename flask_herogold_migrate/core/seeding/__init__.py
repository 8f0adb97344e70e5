"""Seeders: files beside the migrations that fill a migrated database with rows."""
