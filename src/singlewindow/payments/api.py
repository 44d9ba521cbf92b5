"""API of the payments app under /api/v1/payments."""

from __future__ import annotations

from ninja import Router

from singlewindow.registry.auth import API_AUTH

router = Router(auth=API_AUTH, tags=["payments"])
