"""Request and response schemas of the managers' operations API (web/api/operations.py)."""
from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from engine import bulk, incidents
from engine.jsonutil import dumps
from web.schemas import PageQuery, StrictSchema

MAX_ID = 2**63 - 1
MAX_VALUE_BYTES = 64_000
REASON = validate.Length(min=1, max=500)
OPTIONAL_REASON = validate.Length(max=500)


def _bounded(value) -> None:
    if len(dumps(value)) > MAX_VALUE_BYTES:
        raise ValidationError("the value must be under 64 KB")


class ReasonBody(StrictSchema):
    reason = fields.String(required=True, validate=REASON)


class CorrectBody(StrictSchema):
    task_id = fields.String(required=True, validate=validate.Length(min=1, max=36))
    field = fields.String(required=True, validate=validate.Length(min=1, max=120))
    value = fields.Raw(required=True, allow_none=True, validate=_bounded)
    reason = fields.String(required=True, validate=REASON)


class SendBackBody(StrictSchema):
    element_id = fields.String(required=True, validate=validate.Length(min=1, max=120))
    reason = fields.String(required=True, validate=REASON)


class MigrateBody(StrictSchema):
    to_version = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=1_000_000))
    dry_run = fields.Boolean(load_default=False)
    reason = fields.String(load_default="", validate=OPTIONAL_REASON,
                           metadata={"description": "required unless dry_run"})


class Problem(Schema):
    code = fields.String(required=True)
    message = fields.String(required=True)
    element_id = fields.String(allow_none=True)
    name = fields.String(allow_none=True)


class MigrationResult(Schema):
    instance_id = fields.Integer(required=True)
    case_number = fields.String(allow_none=True)
    from_version = fields.Integer(required=True)
    to_version = fields.Integer(required=True)
    can_move = fields.Boolean(required=True)
    moved = fields.Boolean(required=True)
    dry_run = fields.Boolean(required=True)
    problems = fields.List(fields.Nested(Problem), required=True)


class IncidentsQuery(PageQuery):
    status = fields.String(load_default="open", validate=validate.OneOf(["open", "closed", "all"]))
    kind = fields.String(validate=validate.OneOf(incidents.KINDS))
    process_id = fields.String(validate=validate.Length(max=80))
    instance_id = fields.Integer(validate=validate.Range(min=1, max=MAX_ID))


class IncidentItem(Schema):
    id = fields.Integer(required=True)
    instance_id = fields.Integer(allow_none=True)
    case_number = fields.String(allow_none=True)
    process_id = fields.String(allow_none=True)
    kind = fields.String(required=True)
    element_id = fields.String(allow_none=True)
    element_name = fields.String(allow_none=True)
    message = fields.String(required=True)
    attempts = fields.Integer(required=True)
    status = fields.String(required=True)
    opened_at = fields.String(required=True)
    closed_at = fields.String(allow_none=True)
    closed_by = fields.String(allow_none=True)
    resolution = fields.String(allow_none=True)
    reason = fields.String(allow_none=True)
    data = fields.Dict(allow_none=True)


class RetryBody(StrictSchema):
    reason = fields.String(load_default="", validate=OPTIONAL_REASON)
    data = fields.Dict(load_default=dict, validate=_bounded,
                       metadata={"description": "corrected values merged into the failed step before it runs again"})


class ResolveBody(StrictSchema):
    data = fields.Dict(required=True, validate=_bounded,
                       metadata={"description": "the values the failed step would have produced"})
    reason = fields.String(load_default="", validate=OPTIONAL_REASON)


class BulkFilter(StrictSchema):
    process_id = fields.String(validate=validate.Length(min=1, max=80))
    status = fields.String(validate=validate.OneOf(["running", "waiting", "error", "suspended", "completed",
                                                    "cancelled"]))
    version = fields.Integer(strict=True, validate=validate.Range(min=1, max=1_000_000))
    q = fields.String(validate=validate.Length(min=1, max=200))
    region = fields.String(validate=validate.Length(min=1, max=40))
    started_from = fields.AwareDateTime(data_key="from", default_timezone=None)
    started_to = fields.AwareDateTime(data_key="to", default_timezone=None)


class BulkBody(StrictSchema):
    ids = fields.List(fields.Integer(strict=True, validate=validate.Range(min=1, max=MAX_ID)),
                      validate=validate.Length(min=1, max=bulk.MAX_CASES))
    filter = fields.Nested(BulkFilter)
    reason = fields.String(load_default="", validate=OPTIONAL_REASON,
                           metadata={"description": "required unless dry_run"})
    dry_run = fields.Boolean(load_default=False)
    assignee = fields.String(validate=validate.Length(min=1, max=80), metadata={"description": "for reassign"})
    to_version = fields.Integer(strict=True, validate=validate.Range(min=1, max=1_000_000),
                                metadata={"description": "for migrate"})

    @validates_schema
    def _one_selection(self, data, **_kwargs):
        if ("ids" in data) == ("filter" in data):
            raise ValidationError("give either ids or filter", "ids")


class BulkItem(Schema):
    instance_id = fields.Integer(required=True)
    case_number = fields.String(allow_none=True)
    status = fields.String(required=True)
    outcome = fields.String(required=True, validate=validate.OneOf(["would_do", "would_skip", "done", "skipped",
                                                                     "failed"]))
    reason_code = fields.String(allow_none=True)
    message = fields.String()
    details = fields.List(fields.Dict())


class BulkReport(Schema):
    action = fields.String(required=True)
    dry_run = fields.Boolean(required=True)
    total = fields.Integer(required=True)
    done = fields.Integer(required=True)
    skipped = fields.Integer(required=True)
    failed = fields.Integer(required=True)
    items = fields.List(fields.Nested(BulkItem), required=True)


class StepCount(Schema):
    element_id = fields.String(required=True)
    name = fields.String(required=True)
    tasks = fields.Integer(required=True)
    suspended = fields.Integer(required=True)
    timers = fields.Integer(required=True)
    failed = fields.Integer(required=True)
    total = fields.Integer(required=True)


class WaitingMap(Schema):
    process_id = fields.String(required=True)
    version = fields.Integer(required=True)
    open_cases = fields.Integer(required=True)
    steps = fields.List(fields.Nested(StepCount), required=True)
