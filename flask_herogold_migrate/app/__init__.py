"""The Flask side: the app's configuration, its databases (binds, tenants), its target options."""
