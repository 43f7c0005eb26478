"""Alembic environment of the gateway store; configured in code by verdictflow.migrate."""

from verdictflow.cli.migrate import run_env

run_env("gateway")
