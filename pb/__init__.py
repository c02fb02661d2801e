"""Participatory budgeting for health-system community benefit funds.

Importing this package must stay cheap and web-free: `pb.tally` is used without Flask.
"""

__version__ = "0.1.0"
