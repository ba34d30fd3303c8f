"""Comptoir: a self-hosted Messenger for business.

The package layout is described in ``docs/architecture.md``.
"""

__version__ = "0.1.0"
