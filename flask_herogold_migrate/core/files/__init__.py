"""Migration files: their names, finding them on disk, loading one, writing a new one."""
