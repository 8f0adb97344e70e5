"""The Click commands of both hosts (``flask migrate*`` and ``herogold-migrate``); never Flask."""
