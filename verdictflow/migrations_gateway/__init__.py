"""Alembic scripts of the gateway store (a package so they install with verdictflow)."""
