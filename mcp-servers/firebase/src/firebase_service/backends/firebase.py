"""`FirebaseAppUsers`: Firebase Auth (`firebase-admin`) and Firestore (`AsyncClient`) of one project.

Firestore layout: `{usage_collection}/{uid}`, one document per Firebase Auth user, named by uid:

```
last_active_at       timestamp, optional      when the user was last active in the app
sessions_this_month  integer ≥ 0              sessions started in `month`
month                string "YYYY-MM", opt.   the month counted (absent: the current one)
feature_counts       map string → integer ≥ 0 times each feature was used (optional)
```

Each instance owns a named firebase-admin app, deleted by `aclose`, so that several instances
(and projects) live side by side in one process. Credentials are Application Default
Credentials, loaded on first use; `FIREBASE_AUTH_EMULATOR_HOST` and `FIRESTORE_EMULATOR_HOST`
send the calls to the emulators instead. Failures are mapped in `_firebase_errors`.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TypeVar

import firebase_admin
from firebase_admin import auth
from google.api_core.retry_async import AsyncRetry
from google.cloud.firestore import AsyncClient
from pydantic import ValidationError

from firebase_service.backends._firebase_errors import auth_errors, firestore_errors
from firebase_service.models import AuthUser, UsageDocument
from mcp_common.errors import ErrorCode, ServiceError

logger = logging.getLogger(__name__)

NO_ACCOUNT = "no Firebase Auth user with that email"
NO_USAGE = "no app usage is recorded for that user"
T = TypeVar("T")


class FirebaseAppUsers:
    """An `AppUsersBackend` reading one Firebase project; `timeout_s` bounds each look-up, retries included."""

    def __init__(
        self,
        *,
        project_id: str,
        usage_collection: str = "app_usage",
        database: str = "(default)",
        timeout_s: float = 10,
    ) -> None:
        self._project_id = project_id
        self._database = database
        self._collection = usage_collection
        self._timeout_s = timeout_s
        self._retry = AsyncRetry(initial=0.05, maximum=1.0, timeout=timeout_s)
        options = {"projectId": project_id, "httpTimeout": timeout_s}
        name = f"firebase-service-{uuid.uuid4().hex}"
        self._app = firebase_admin.initialize_app(options=options, name=name)  # type: ignore[no-untyped-call]
        self._firestore: AsyncClient | None = None

    @property
    def app_name(self) -> str:
        """Name of the firebase-admin app this instance owns (and deletes in `aclose`)."""
        name: str = self._app.name
        return name

    async def find_user(self, email: str) -> AuthUser:
        with auth_errors(not_found=NO_ACCOUNT, timeout_s=self._timeout_s):
            record: auth.UserRecord = await self._blocking(
                lambda: auth.get_user_by_email(email, app=self._app)  # type: ignore[no-untyped-call]
            )
        if (record.email or "").lower() != email.lower():  # never hand out someone else's record
            logger.warning("Firebase Auth answered an email look-up with a record of another email; refused")
            raise ServiceError(ErrorCode.NOT_FOUND, NO_ACCOUNT)
        try:
            return auth_user(record)
        except ValidationError as exc:
            raise ServiceError(ErrorCode.SERVICE_BAD_RESPONSE, "Firebase Auth sent an unexpected user record") from exc

    async def usage(self, uid: str) -> UsageDocument:
        if not _valid_document_id(uid):  # such a uid cannot name a document of the collection
            raise ServiceError(ErrorCode.NOT_FOUND, NO_USAGE)
        with firestore_errors(timeout_s=self._timeout_s):
            document = self._client().collection(self._collection).document(uid)
            snapshot = await document.get(retry=self._retry, timeout=self._timeout_s)
        if not snapshot.exists:
            raise ServiceError(ErrorCode.NOT_FOUND, NO_USAGE)
        try:
            return UsageDocument.model_validate(snapshot.to_dict() or {})
        except ValidationError as exc:
            raise ServiceError(
                ErrorCode.SERVICE_BAD_RESPONSE,
                f"the usage document of that user in Firestore collection {self._collection!r} is malformed",
            ) from exc

    async def aclose(self) -> None:
        if self._firestore is not None:
            self._firestore.close()  # type: ignore[no-untyped-call]
            self._firestore = None
        firebase_admin.delete_app(self._app)  # type: ignore[no-untyped-call]

    def _client(self) -> AsyncClient:
        # Created on first use: without an emulator the constructor resolves credentials.
        if self._firestore is None:
            self._firestore = AsyncClient(project=self._project_id, database=self._database)
        return self._firestore

    async def _blocking(self, call: Callable[[], T]) -> T:
        async with asyncio.timeout(self._timeout_s):
            return await asyncio.to_thread(call)


def auth_user(record: auth.UserRecord) -> AuthUser:
    """The `AuthUser` of a firebase-admin user record."""
    metadata = record.user_metadata
    return AuthUser(
        uid=record.uid,
        email=(record.email or "").lower(),
        display_name=record.display_name,
        email_verified=bool(record.email_verified),
        disabled=bool(record.disabled),
        created_at=_from_millis(metadata.creation_timestamp),
        last_sign_in_at=_from_millis(metadata.last_sign_in_timestamp),
        providers=sorted({info.provider_id for info in record.provider_data}),
    )


def _from_millis(value: int | None) -> datetime | None:
    return None if value is None else datetime.fromtimestamp(value / 1000, UTC)


def _valid_document_id(uid: str) -> bool:
    return bool(uid) and "/" not in uid and uid not in (".", "..") and not (uid.startswith("__") and uid.endswith("__"))
