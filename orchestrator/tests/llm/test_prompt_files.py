"""Prompt files: checked at start-up, versioned by content, rendered exactly as the snapshots show."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from orchestrator.app import create_app
from orchestrator.llm.prompts import VARIABLES, PromptError, PromptSet, default_directory
from orchestrator.settings import Settings

SNAPSHOTS = Path(__file__).parent / "snapshots"
FENCE = "DATA-0123456789abcdef"
TOOLS = [
    {
        "name": "chargebee.get_subscription",
        "description": "Current subscription plan of a customer.",
        "input_schema": '{"properties":{},"required":[],"type":"object"}',
        "examples": "what plan am I on?; when does my trial end?",
    }
]
SAMPLES: dict[str, dict[str, Any]] = {
    "plan": {"fence": FENCE, "tools": TOOLS, "question": "What plan am I on?", "max_steps": 5},
    "synthesize": {
        "fence": FENCE,
        "question": "What plan am I on?",
        "results": [{"source": "chargebee.get_subscription", "status": "ok", "data": '{"plan_name":"Pro"}'}],
        "max_answer_chars": 1500,
    },
    "repair": {"fence": FENCE, "error": "the answer holds no JSON object", "output": "Sure!", "schema": "{}"},
}


@pytest.fixture
def prompts_copy(tmp_path: Path) -> Path:
    target = tmp_path / "prompts"
    shutil.copytree(default_directory(), target)
    return target


def test_the_shipped_prompts_load_with_a_version_each() -> None:
    versions = PromptSet.load().versions()
    assert set(versions) == set(VARIABLES)
    assert all(v.startswith(f"{name}@") for name, v in versions.items())


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_each_rendered_prompt_matches_its_snapshot(name: str) -> None:
    rendered = PromptSet.load()[name].render(**SAMPLES[name])
    text = f"=== system ===\n{rendered.system}\n=== user ===\n{rendered.user}\n"
    snapshot = SNAPSHOTS / f"{name}_prompt.txt"
    if os.environ.get("UPDATE_SNAPSHOTS") == "1":
        snapshot.write_text(text)
    assert text == snapshot.read_text(), f"{name} prompt changed; review, then rerun with UPDATE_SNAPSHOTS=1"


def test_a_missing_prompt_file_fails_loading(prompts_copy: Path) -> None:
    (prompts_copy / "repair.toml").unlink()
    with pytest.raises(PromptError, match=r"repair\.toml is missing"):
        PromptSet.load(prompts_copy)


def test_a_template_using_an_unknown_variable_fails_loading(prompts_copy: Path) -> None:
    path = prompts_copy / "plan.toml"
    path.write_text(path.read_text().replace("{{ question }}", "{{ question }} {{ user_email }}"))
    with pytest.raises(PromptError, match=r"unknown variables \['user_email'\]"):
        PromptSet.load(prompts_copy)


def test_a_template_leaving_out_a_variable_fails_loading(prompts_copy: Path) -> None:
    path = prompts_copy / "synthesize.toml"
    path.write_text(path.read_text().replace("{{ max_answer_chars }}", "1500"))
    with pytest.raises(PromptError, match=r"variables not used \['max_answer_chars'\]"):
        PromptSet.load(prompts_copy)


def test_a_file_without_a_version_or_with_bad_toml_fails_loading(prompts_copy: Path) -> None:
    path = prompts_copy / "intent.toml"
    path.write_text(path.read_text().replace("version = 1", "", 1))
    with pytest.raises(PromptError, match="needs `version`"):
        PromptSet.load(prompts_copy)
    path.write_text("system = '''unterminated")
    with pytest.raises(PromptError, match="not valid TOML"):
        PromptSet.load(prompts_copy)


def test_editing_a_prompt_changes_its_version(prompts_copy: Path) -> None:
    before = PromptSet.load(prompts_copy).versions()
    path = prompts_copy / "plan.toml"
    path.write_text(path.read_text().replace("You never answer", "You must never answer"))
    after = PromptSet.load(prompts_copy).versions()
    assert after["plan"] != before["plan"] and after["synthesize"] == before["synthesize"]


def test_the_app_does_not_boot_with_a_broken_prompt_directory(prompts_copy: Path) -> None:
    (prompts_copy / "plan.toml").unlink()
    with pytest.raises(PromptError):
        create_app(Settings(prompts_dir=str(prompts_copy), services={}))


def test_rendering_with_the_wrong_variables_is_refused() -> None:
    with pytest.raises(PromptError, match="takes"):
        PromptSet.load()["repair"].render(fence=FENCE, error="x", output="y")
