"""Sans-I/O scoring core: imports nothing from web, ORM, pydantic or network libraries."""
