"""HubSpot API bodies as pydantic models, and their mapping onto the service's models.

HubSpot returns every CRM property value as a string (or null): `"amount": "1200.50"`,
`"hs_is_closed": "true"`, `"closedate": "2026-01-31T00:00:00Z"`. Mapping raises `ValueError`
(pydantic's `ValidationError` is one) on anything unexpected; the adapter turns that into
`SERVICE_BAD_RESPONSE`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from hubspot_service.models import (
    LIFECYCLE_STAGES,
    TICKET_PRIORITIES,
    Contact,
    Deal,
    LifecycleStage,
    Ticket,
    TicketPriority,
)

CONTACT_PROPERTIES = (
    "firstname",
    "lastname",
    "email",
    "company",
    "jobtitle",
    "lifecyclestage",
    "hs_lead_status",
    "hubspot_owner_id",
    "createdate",
    "notes_last_updated",
)
DEAL_PROPERTIES = (
    "dealname",
    "dealstage",
    "pipeline",
    "amount",
    "deal_currency_code",
    "closedate",
    "hs_is_closed",
    "hs_is_closed_won",
)
TICKET_PROPERTIES = (
    "subject",
    "hs_pipeline",
    "hs_pipeline_stage",
    "hs_ticket_priority",
    "createdate",
    "closed_date",
)


class HsObject(BaseModel):
    """A CRM record (`SimplePublicObject`): an id and string-valued properties."""

    id: str
    properties: dict[str, str | None] = Field(default_factory=dict)

    def prop(self, name: str) -> str | None:
        """The property's value, with empty strings read as missing."""
        return self.properties.get(name) or None


class ObjectPage(BaseModel):
    """Body of search and batch-read responses."""

    results: list[HsObject]


class _NextPage(BaseModel):
    after: str


class _Paging(BaseModel):
    next: _NextPage | None = None


class AssociatedObject(BaseModel):
    """One v4 association: the associated record's id and the association's labels."""

    model_config = ConfigDict(coerce_numbers_to_str=True)

    to_object_id: str = Field(alias="toObjectId")


class AssociationPage(BaseModel):
    """Body of `GET /crm/v4/objects/{type}/{id}/associations/{toType}`."""

    results: list[AssociatedObject]
    paging: _Paging | None = None

    @property
    def after(self) -> str | None:
        return self.paging.next.after if self.paging and self.paging.next else None


class _Stage(BaseModel):
    id: str
    label: str
    metadata: dict[str, Any] = Field(default_factory=dict)


class _Pipeline(BaseModel):
    id: str
    label: str
    stages: list[_Stage] = Field(default_factory=list)


class PipelinePage(BaseModel):
    """Body of `GET /crm/v3/pipelines/{objectType}`."""

    results: list[_Pipeline]


class Owner(BaseModel):
    """Body of `GET /crm/v3/owners/{ownerId}`."""

    id: str
    email: str | None = None
    first_name: str | None = Field(default=None, alias="firstName")
    last_name: str | None = Field(default=None, alias="lastName")

    @property
    def name(self) -> str | None:
        return " ".join(p for p in (self.first_name, self.last_name) if p) or self.email


@dataclass(frozen=True)
class StageIndex:
    """Pipeline and stage labels by id, and each stage's metadata (`isClosed`, `ticketState`)."""

    pipelines: dict[str, str]
    stages: dict[str, _Stage]

    @classmethod
    def of(cls, page: PipelinePage) -> StageIndex:
        return cls(
            pipelines={p.id: p.label for p in page.results},
            stages={s.id: s for p in page.results for s in p.stages},
        )


def to_contact(obj: HsObject, *, owner_name: str | None) -> Contact:
    """Map a contact record onto `Contact`."""
    return Contact(
        id=obj.id,
        first_name=obj.prop("firstname"),
        last_name=obj.prop("lastname"),
        email=obj.prop("email") or "",
        company=obj.prop("company"),
        job_title=obj.prop("jobtitle"),
        lifecycle_stage=_lifecycle_stage(obj.prop("lifecyclestage")),
        lead_status=obj.prop("hs_lead_status"),
        owner_name=owner_name,
        created_at=parse_datetime(obj.prop("createdate")),
        last_activity_at=parse_datetime(obj.prop("notes_last_updated")),
    )


def to_deal(obj: HsObject, index: StageIndex) -> Deal:
    """Map a deal record onto `Deal`, with stage and pipeline labels from `index`."""
    stage_id, pipeline_id = obj.prop("dealstage"), obj.prop("pipeline")
    stage = index.stages.get(stage_id or "")
    closed = obj.prop("hs_is_closed")
    amount = obj.prop("amount")
    return Deal(
        id=obj.id,
        name=obj.prop("dealname") or "(unnamed deal)",
        stage=stage.label if stage else stage_id,
        pipeline=index.pipelines.get(pipeline_id or "", pipeline_id),
        amount=float(amount) if amount else None,
        currency=obj.prop("deal_currency_code"),
        close_date=_date(obj.prop("closedate")),
        is_closed=_flag(closed) if closed else bool(stage and _flag(stage.metadata.get("isClosed"))),
        is_won=_flag(obj.prop("hs_is_closed_won")),
    )


def to_ticket(obj: HsObject, index: StageIndex) -> Ticket:
    """Map a ticket record onto `Ticket`; open or closed comes from its stage's `ticketState`."""
    stage = index.stages.get(obj.prop("hs_pipeline_stage") or "")
    closed_at = parse_datetime(obj.prop("closed_date"))
    state = str(stage.metadata.get("ticketState", "")).upper() if stage else ""
    closed = state == "CLOSED" if state else closed_at is not None
    return Ticket(
        id=obj.id,
        subject=obj.prop("subject") or "(no subject)",
        status="closed" if closed else "open",
        stage=stage.label if stage else obj.prop("hs_pipeline_stage"),
        priority=_priority(obj.prop("hs_ticket_priority")),
        created_at=parse_datetime(obj.prop("createdate")),
        closed_at=closed_at,
    )


def parse_datetime(value: str | None) -> datetime | None:
    """An ISO 8601 timestamp (or epoch milliseconds) as an aware datetime; naive means UTC."""
    if not value:
        return None
    if value.isdigit():
        return datetime.fromtimestamp(int(value) / 1000, UTC)
    moment = datetime.fromisoformat(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _date(value: str | None) -> date | None:
    moment = parse_datetime(value)
    return moment.astimezone(UTC).date() if moment else None


def _flag(value: object) -> bool:
    return str(value).strip().lower() == "true"


def _lifecycle_stage(value: str | None) -> LifecycleStage | None:
    if not value:
        return None
    wanted = value.lower()
    for stage in LIFECYCLE_STAGES:
        if stage == wanted:
            return stage
    return "other"  # portal-specific custom stages


def _priority(value: str | None) -> TicketPriority | None:
    wanted = (value or "").upper()
    for priority in TICKET_PRIORITIES:
        if priority == wanted:
            return priority
    return None
