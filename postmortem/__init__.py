"""postmortem: turn an exported social-media thread into a customer-service post-mortem."""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
