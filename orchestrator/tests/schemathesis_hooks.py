"""Schemathesis hooks of the workspace's OpenAPI runs: `SCHEMATHESIS_HOOKS=orchestrator/tests/schemathesis_hooks.py`.

Two rules the orchestrator's request schemas do not state (yet), so that a run with
`ORCH_ERRORS_AS_HTTP_STATUS=true` does not report `ST202 Schema-valid request rejected` for them:

- `format: email` draws addresses as schemathesis does (a dot-atom local part, one or two labels and a
  top-level domain) without the special-use domains (`.test`, `.invalid`, `.localhost`, …) that the
  address check (`mcp_common.emails`, email-validator) refuses; about one address in eight otherwise.
- `query` (`POST /query`) and `message` (`POST /orchestrate`) are never blank: a value of whitespace
  only passes `minLength: 1` but is refused (`must not be blank`). A `pattern: "\\S"` in the schema
  would say so.

With errors as 200 (the default) both are answered 200 with the error envelope, which the checks accept.
"""

from __future__ import annotations

import string
from typing import Any

import schemathesis
from hypothesis import strategies as st

LOCAL_PART = string.ascii_lowercase + string.digits + "!#$%&'*+-/=?^_`{|}~"
TOP_LEVEL = ("com", "org", "net", "io", "dev", "info", "example")
NOT_BLANK = {"/query": "query", "/orchestrate": "message"}


def _address(local: str, labels: list[str], top: str) -> str:
    return f"{local}@{'.'.join([*labels, top])}"


label = st.text(string.ascii_lowercase + string.digits, min_size=1, max_size=12)
emails = st.builds(
    _address,
    st.text(LOCAL_PART, min_size=1, max_size=10),
    st.lists(label, min_size=1, max_size=2),
    st.sampled_from(TOP_LEVEL),
)
schemathesis.openapi.format("email", emails)


@schemathesis.hook
def filter_body(context: schemathesis.HookContext, body: Any) -> bool:
    """No body whose `query` or `message` is whitespace only (an empty one stays: the schema refuses it)."""
    field = NOT_BLANK.get(context.operation.path if context.operation else "")
    value = body.get(field) if field and isinstance(body, dict) else None
    return not (isinstance(value, str) and value and not value.strip())
