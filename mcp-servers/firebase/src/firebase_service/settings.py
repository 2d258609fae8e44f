"""Settings of the firebase service, read from `FIREBASE_*` environment variables (and `.env`).

| variable                    | default     | meaning                                                       |
| --------------------------- | ----------- | ------------------------------------------------------------- |
| `FIREBASE_BACKEND`          | `demo`      | `demo` (embedded dataset) or `firebase` (a real project)      |
| `FIREBASE_PROJECT_ID`       | –           | Firebase / Google Cloud project id; needed by `firebase`      |
| `FIREBASE_USAGE_COLLECTION` | `app_usage` | Firestore collection of usage documents, one per uid          |
| `FIREBASE_DATABASE`         | `(default)` | Firestore database id                                         |
| `FIREBASE_TIMEOUT_S`        | `10`        | deadline of each Auth or Firestore look-up, retries included  |
| `FIREBASE_PORT`             | `8108`      | TCP port (the bare `PORT` wins), plus the shared settings     |

Credentials are Google Application Default Credentials (`GOOGLE_APPLICATION_CREDENTIALS`, the
metadata server on Google Cloud, or `gcloud auth application-default login`); the account needs
read access to Firebase Auth users and to Firestore (roles/firebaseauth.viewer and
roles/datastore.viewer). The SDKs read the environment variables `FIREBASE_AUTH_EMULATOR_HOST`
and `FIRESTORE_EMULATOR_HOST` (host:port) themselves, not `.env`: set, they talk to the
emulators without credentials.
"""

from __future__ import annotations

from typing import Literal, Self

from pydantic import Field, field_validator, model_validator
from pydantic_settings import SettingsConfigDict

from mcp_common.service_settings import BaseServiceSettings, Port


class Settings(BaseServiceSettings):
    """Where account and usage data come from, and the shared service settings."""

    model_config = SettingsConfigDict(env_prefix="FIREBASE_")

    port: Port = 8108
    backend: Literal["demo", "firebase"] = Field(
        default="demo",
        description="`demo`: the embedded demo dataset; `firebase`: Firebase Auth and Firestore of a real project.",
    )
    project_id: str | None = Field(
        default=None,
        pattern=r"^[a-z][a-z0-9-]{4,28}[a-z0-9]$",
        description="Firebase (Google Cloud) project id, e.g. acme-prod; a demo-* id works with the emulators.",
    )
    usage_collection: str = Field(
        default="app_usage",
        pattern=r"^[^/]{1,1500}$",
        description="Firestore collection holding one usage document per user, named by the Firebase Auth uid.",
    )
    database: str = Field(
        default="(default)",
        pattern=r"^(\(default\)|[a-z][a-z0-9-]{2,61}[a-z0-9])$",
        description="Firestore database id.",
    )
    timeout_s: float = Field(
        default=10.0,
        gt=0,
        description="Deadline of each Firebase Auth or Firestore look-up, retries included, seconds.",
    )

    @field_validator("usage_collection")
    @classmethod
    def _valid_collection_id(cls, value: str) -> str:
        if value in (".", "..") or (value.startswith("__") and value.endswith("__")):
            raise ValueError("not a valid Firestore collection id")
        return value

    @model_validator(mode="after")
    def _firebase_needs_a_project(self) -> Self:
        if self.backend == "firebase" and not self.project_id:
            raise ValueError("backend 'firebase' needs FIREBASE_PROJECT_ID")
        return self


def get_settings() -> Settings:
    """The settings from the environment; only entrypoints call this."""
    return Settings()
