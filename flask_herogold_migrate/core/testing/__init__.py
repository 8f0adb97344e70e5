"""Testing migrations: throwaway databases, schema snapshots, the checks, the migrator."""
