"""Entry points: the ``verdictflow`` command, the demo, the migration commands and the
launcher of the services. The top of the house: everything may be imported here, and
nothing imports it."""
