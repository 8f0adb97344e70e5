"""Several databases at once: binds and tenants, run one after the other or N at a time."""
