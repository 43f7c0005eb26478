"""Alembic scripts of the read model (a package so they install with verdictflow)."""
