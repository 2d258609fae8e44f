from __future__ import annotations

import copy
import pickle

import pytest

from mcp_common.errors import ErrorBody, ErrorCode, ServiceError

# code: (retryable, http status)
EXPECTED = {
    ErrorCode.INVALID_REQUEST: (False, 400),
    ErrorCode.UNAUTHENTICATED: (False, 401),
    ErrorCode.FORBIDDEN: (False, 403),
    ErrorCode.NOT_FOUND: (False, 404),
    ErrorCode.CONFLICT: (False, 409),
    ErrorCode.PAYLOAD_TOO_LARGE: (False, 413),
    ErrorCode.TOOL_NOT_FOUND: (False, 404),
    ErrorCode.RATE_LIMITED: (True, 429),
    ErrorCode.SERVICE_UNAVAILABLE: (True, 503),
    ErrorCode.SERVICE_TIMEOUT: (True, 504),
    ErrorCode.LLM_UNAVAILABLE: (True, 503),
    ErrorCode.SERVICE_BAD_RESPONSE: (False, 502),
    ErrorCode.LLM_BAD_OUTPUT: (False, 502),
    ErrorCode.INTERNAL: (False, 500),
}


def test_every_code_has_an_expected_retry_flag_and_status() -> None:
    assert set(EXPECTED) == set(ErrorCode)


@pytest.mark.parametrize(("code", "retryable"), [(code, r) for code, (r, _) in EXPECTED.items()])
def test_only_pressure_and_upstream_failures_are_retryable(code: ErrorCode, retryable: bool) -> None:
    assert code.retryable is retryable
    assert ServiceError(code, "x").retryable is retryable


@pytest.mark.parametrize(("code", "status"), [(code, s) for code, (_, s) in EXPECTED.items()])
def test_each_code_maps_to_its_http_status(code: ErrorCode, status: int) -> None:
    assert code.http_status == status


@pytest.mark.parametrize("code", list(ErrorCode))
def test_service_error_round_trips_through_its_wire_body(code: ErrorCode) -> None:
    error = ServiceError(code, "order A-1 does not exist")

    wire = error.to_body().model_dump_json()
    body = ErrorBody.model_validate_json(wire)
    again = ServiceError.from_body(body)

    assert body == ErrorBody(code=code, message="order A-1 does not exist", retryable=code.retryable)
    assert (again.code, again.message, again.retryable) == (code, error.message, error.retryable)


def test_error_body_serialises_the_code_as_its_plain_name() -> None:
    body = ServiceError(ErrorCode.RATE_LIMITED, "slow down").to_body()

    assert body.model_dump(mode="json") == {"code": "RATE_LIMITED", "message": "slow down", "retryable": True}


def test_service_error_reads_as_its_message_and_reprs_with_its_code() -> None:
    error = ServiceError(ErrorCode.FORBIDDEN, "email must name the caller")

    assert str(error) == "email must name the caller"
    assert repr(error) == "ServiceError(FORBIDDEN, 'email must name the caller')"


def test_service_error_survives_copying_and_pickling() -> None:
    error = ServiceError(ErrorCode.SERVICE_TIMEOUT, "chargebee took too long")

    for again in (copy.copy(error), pickle.loads(pickle.dumps(error))):
        assert isinstance(again, ServiceError)
        assert (again.code, again.message, str(again)) == (error.code, error.message, str(error))


def test_a_rate_limit_keeps_its_retry_delay_through_copying_and_pickling() -> None:
    error = ServiceError(ErrorCode.RATE_LIMITED, "slow down", retry_after_s=12.5)

    for again in (copy.copy(error), pickle.loads(pickle.dumps(error))):
        assert (again.code, again.message, again.retry_after_s) == (ErrorCode.RATE_LIMITED, "slow down", 12.5)
    assert ServiceError(ErrorCode.RATE_LIMITED, "slow down").retry_after_s is None
