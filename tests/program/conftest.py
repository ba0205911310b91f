"""Fixtures of the program tier: a fresh in-process world per test (about 0.15 s each)."""

from __future__ import annotations

import pytest
from program_scene import Scene, make_scene


@pytest.fixture
async def scene() -> Scene:
    """A world whose provider owner has registered."""
    return await make_scene()


@pytest.fixture
async def bare_scene() -> Scene:
    """A world with no provider yet."""
    return await make_scene(register=False)
