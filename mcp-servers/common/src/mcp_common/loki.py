"""Grafana Loki log shipping (placeholder until the handler lands)."""

from __future__ import annotations

import logging

from mcp_common.service_settings import BaseServiceSettings


def loki_handler_from_settings(settings: BaseServiceSettings, *, service: str) -> logging.Handler | None:
    return None
