"""Typed Python modules from any Anchor 0.30+ IDL (Codama layout)."""

from __future__ import annotations

from ._generate import generate

__all__ = ["generate"]
