"""`.env.example` documents every orchestrator setting, and every line it sets is a real setting."""

from __future__ import annotations

import re
from pathlib import Path

from orchestrator.settings import Settings

EXAMPLE = Path(__file__).resolve().parents[2] / ".env.example"


def test_every_setting_has_a_line_in_env_example() -> None:
    text = EXAMPLE.read_text()
    missing = [name for name in Settings.model_fields if not re.search(rf"^#? ?ORCH_{name.upper()}=", text, re.M)]
    assert missing == []


def test_every_orch_line_in_env_example_is_a_setting() -> None:
    names = {f"ORCH_{name.upper()}" for name in Settings.model_fields}
    lines = re.findall(r"^#? ?(ORCH_[A-Z0-9_]+)=", EXAMPLE.read_text(), re.M)
    assert sorted(set(lines) - names) == []
