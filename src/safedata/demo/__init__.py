"""Sample data for a first run: ``safedata demo load`` / ``clear`` and a staff button.

``sample`` is the data (pure); ``services`` loads and clears it through the
real upload and vote services; ``commands`` is the ``safedata demo`` group.
"""
