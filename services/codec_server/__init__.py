"""The codec server: Temporal's remote codec protocol, for operators in the Web UI and the CLI.

Entry point: ``services.codec_server.app.create_codec_app``; ``run_codec_server`` for
``verdictflow codec-server``.
"""
