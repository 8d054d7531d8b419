"""``paytrust demo``: the service on SQLite with a seeded organisation and simulated traffic."""
