"""The n8n example (deploy/n8n/orchestrator-chat.json) imports as a chain of nodes, and its Code node's
signature (run by Node.js, as n8n runs it) is accepted by the orchestrator."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import httpx
import pytest
from channel_clients import WEBHOOK_SECRET

WORKFLOW = Path(__file__).resolve().parents[3] / "deploy" / "n8n" / "orchestrator-chat.json"


def nodes() -> dict[str, dict[str, Any]]:
    return {node["name"]: node for node in json.loads(WORKFLOW.read_text())["nodes"]}


def test_the_workflow_is_one_chain_from_webhook_to_reply() -> None:
    workflow = json.loads(WORKFLOW.read_text())
    by_name = nodes()
    chain, name = [], "Incoming message"
    while name:
        chain.append(by_name[name]["type"])
        targets = workflow["connections"].get(name, {}).get("main", [[]])[0]
        name = targets[0]["node"] if targets else ""
    assert chain == [
        "n8n-nodes-base.webhook",
        "n8n-nodes-base.code",
        "n8n-nodes-base.httpRequest",
        "n8n-nodes-base.respondToWebhook",
    ]
    request = by_name["Ask the orchestrator"]["parameters"]
    headers = {h["name"] for h in request["headerParameters"]["parameters"]}
    assert {"webhook-id", "webhook-timestamp", "webhook-signature"} <= headers
    assert request["contentType"] == "raw" and request["body"] == "={{ $json.body }}"  # the bytes that were signed


def run_code_node(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The Code node's JavaScript under Node.js, with n8n's `$env` and `$input` stubbed."""
    code = nodes()["Sign (Standard Webhooks)"]["parameters"]["jsCode"]
    script = (
        f"const $env = {{ORCHESTRATOR_WEBHOOK_SECRET: {json.dumps(WEBHOOK_SECRET)}}};\n"
        f"const $input = {{all: () => {json.dumps(items)}}};\n"
        f"console.log(JSON.stringify((function () {{\n{code}\n}})()));\n"
    )
    done = subprocess.run(["node", "-e", script], capture_output=True, text=True, check=True, timeout=30)
    result: list[dict[str, Any]] = json.loads(done.stdout)
    return result


@pytest.mark.skipif(shutil.which("node") is None, reason="Node.js not installed")
def test_the_code_nodes_signature_is_accepted(orch: str) -> None:
    [signed] = run_code_node([{"json": {"body": {"sender": "n8n-user-1", "text": "show me desserts"}}}])
    item = signed["json"]
    headers = {
        "content-type": "application/json",
        "webhook-id": item["id"],
        "webhook-timestamp": item["timestamp"],
        "webhook-signature": item["signature"],
    }
    response = httpx.post(f"{orch}/channels/webhook/n8n", content=item["body"], headers=headers, timeout=30)
    assert response.status_code == 200, response.text
    assert "not linked" in response.json()["reply"]  # answered: the signature was good, the sender is unlinked
    tampered = httpx.post(
        f"{orch}/channels/webhook/n8n", content=item["body"].replace("desserts", "mains"), headers=headers, timeout=30
    )
    assert tampered.status_code == 403
