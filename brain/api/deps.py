"""FastAPI dependencies shared by the routers."""

from __future__ import annotations

from fastapi import Request

from brain.service import Brain


def get_brain(request: Request) -> Brain:
    brain: Brain = request.app.state.brain
    return brain
