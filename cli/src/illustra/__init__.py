"""The ``illustra`` command: runs, operates and tries out the services."""
