"""I/O around the engine: entity-state stores (memory, Redis) and the async scorer."""
