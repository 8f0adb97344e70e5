"""What a run tells as it goes, beyond its progress events: numbered steps and heartbeats
(:mod:`.heartbeat`), and the signals subscribers hear (:mod:`.announce`)."""
