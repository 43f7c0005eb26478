"""Alembic environment of the read model; configured in code by verdictflow.migrate."""

from verdictflow.cli.migrate import run_env

run_env("readmodel")
