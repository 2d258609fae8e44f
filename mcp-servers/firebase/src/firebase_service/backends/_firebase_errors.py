"""The one place where Firebase Auth, Firestore and credential failures become `ServiceError`s.

```
Firebase Auth (firebase_admin)     Firestore (google.api_core)         → ServiceError
UserNotFoundError                  –                                   → NOT_FOUND
ResourceExhaustedError             TooManyRequests                     → RATE_LIMITED          (retryable)
UnavailableError, InternalError,   ServerError (503, 500, unknown, …)  → SERVICE_UNAVAILABLE   (retryable)
  UnknownError
DeadlineExceededError              DeadlineExceeded, RetryError        → SERVICE_TIMEOUT       (retryable)
TimeoutError (the look-up's deadline)                                  → SERVICE_TIMEOUT       (retryable)
UnauthenticatedError,              Unauthenticated, PermissionDenied   → SERVICE_UNAVAILABLE   "credentials"
  PermissionDeniedError
google.auth errors (no or expired credentials, either side)            → SERVICE_UNAVAILABLE   "credentials"
–                                  NotFound (no such database)         → SERVICE_UNAVAILABLE   "database"
any other FirebaseError            any other GoogleAPICallError        → SERVICE_BAD_RESPONSE
```

Messages never carry the vendor's text: it may quote the email or uid asked for.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from firebase_admin import auth
from firebase_admin import exceptions as fb
from google.api_core import exceptions as gapi
from google.auth import exceptions as gauth

from mcp_common.errors import ErrorCode, ServiceError

_CREDENTIALS = "{vendor} rejected the service's credentials; check the Application Default Credentials and their roles"


@contextmanager
def auth_errors(*, not_found: str, timeout_s: float) -> Iterator[None]:
    """Map failures of a Firebase Auth call; `not_found` is the message for a missing user."""
    try:
        yield
    except auth.UserNotFoundError as exc:
        raise ServiceError(ErrorCode.NOT_FOUND, not_found) from exc
    except fb.ResourceExhaustedError as exc:
        raise ServiceError(ErrorCode.RATE_LIMITED, "Firebase Auth's quota was reached; try again shortly") from exc
    except (fb.DeadlineExceededError, TimeoutError) as exc:
        raise _timeout("Firebase Auth", timeout_s) from exc
    except (fb.UnavailableError, fb.InternalError, fb.UnknownError) as exc:
        raise ServiceError(ErrorCode.SERVICE_UNAVAILABLE, "Firebase Auth is unavailable") from exc
    except (fb.UnauthenticatedError, fb.PermissionDeniedError, gauth.GoogleAuthError) as exc:
        raise ServiceError(ErrorCode.SERVICE_UNAVAILABLE, _CREDENTIALS.format(vendor="Firebase Auth")) from exc
    except fb.FirebaseError as exc:
        raise ServiceError(ErrorCode.SERVICE_BAD_RESPONSE, f"Firebase Auth refused the look-up ({exc.code})") from exc


@contextmanager
def firestore_errors(*, timeout_s: float) -> Iterator[None]:
    """Map failures of a Firestore call."""
    try:
        yield
    except gapi.TooManyRequests as exc:
        raise ServiceError(ErrorCode.RATE_LIMITED, "Firestore's quota was reached; try again shortly") from exc
    except (gapi.DeadlineExceeded, gapi.RetryError) as exc:
        raise _timeout("Firestore", timeout_s) from exc
    except gapi.ServerError as exc:
        raise ServiceError(ErrorCode.SERVICE_UNAVAILABLE, "Firestore is unavailable") from exc
    except (gapi.Unauthenticated, gapi.PermissionDenied, gauth.GoogleAuthError) as exc:
        raise ServiceError(ErrorCode.SERVICE_UNAVAILABLE, _CREDENTIALS.format(vendor="Firestore")) from exc
    except gapi.NotFound as exc:
        raise ServiceError(
            ErrorCode.SERVICE_UNAVAILABLE, "the Firestore database was not found; check FIREBASE_DATABASE"
        ) from exc
    except gapi.GoogleAPICallError as exc:
        raise ServiceError(ErrorCode.SERVICE_BAD_RESPONSE, "Firestore refused the read") from exc


def _timeout(vendor: str, timeout_s: float) -> ServiceError:
    return ServiceError(ErrorCode.SERVICE_TIMEOUT, f"{vendor} did not answer within {timeout_s:g}s")
