"""API schemas (marshmallow): they validate requests and generate the OpenAPI document."""
from __future__ import annotations

from marshmallow import INCLUDE, RAISE, Schema, fields, validate

from engine.forms import FIELD_TYPES
from web.bounds import MAX_ID, MAX_PAGE


class StrictSchema(Schema):
    class Meta:
        unknown = RAISE


def id_field(**kw) -> fields.Integer:
    """An id in a query or body: a positive number no larger than a table's ids go."""
    return fields.Integer(strict=False, validate=validate.Range(min=1, max=MAX_ID), **kw)


class Error(Schema):
    """Every error body: `code` and `message`, plus the context of the error (which task, which role,
    how long to wait...). Context fields depend on the code; clients must accept others."""

    class Meta:
        unknown = INCLUDE  # the document then allows further context fields

    code = fields.String(required=True, metadata={"description": "stable, e.g. not_found, forbidden, conflict, "
                                                                  "validation_failed, invalid_input, unauthorized, "
                                                                  "too_many_attempts, database_unavailable"})
    message = fields.String(required=True)
    errors = fields.Raw(metadata={"description": "per-field messages (422: field path -> list of messages) or "
                                                 "problem list (invalid_model: [{element, problem}])"})
    retry_after = fields.Integer(metadata={"description": "seconds to wait (429, 503)"})
    task_id = fields.String()
    instance_id = fields.Integer()
    process_id = fields.String()
    role = fields.String()
    assignee = fields.String()
    status = fields.String()
    username = fields.String()
    attachment_id = fields.String()
    token_id = fields.Integer()
    customer_id = fields.Integer()
    equipment_id = fields.Integer()
    engineer_id = fields.Integer()


class TokenRequest(StrictSchema):
    username = fields.String(required=True, validate=validate.Length(min=1, max=80))
    password = fields.String(required=True, validate=validate.Length(min=1, max=200))


class TokenResponse(Schema):
    token = fields.String(required=True, metadata={"description": "send as `Authorization: Bearer <token>`; "
                                                                   "shown only here, never again"})
    id = fields.Integer(required=True, metadata={"description": "to revoke it: DELETE /tokens/{id}"})
    expires_at = fields.String(required=True)


class TokenItem(Schema):
    id = fields.Integer(required=True)
    created_at = fields.String(required=True)
    expires_at = fields.String(required=True)
    current = fields.Boolean(required=True, metadata={"description": "the token this request was made with"})


class PageQuery(Schema):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=MAX_PAGE))
    per_page = fields.Integer(load_default=20, validate=validate.Range(min=1, max=200))


def page_of(item_schema: type[Schema], name: str) -> type[Schema]:
    return Schema.from_dict({
        "items": fields.List(fields.Nested(item_schema), required=True),
        "total": fields.Integer(required=True),
        "page": fields.Integer(required=True),
        "per_page": fields.Integer(required=True),
        "next_cursor": fields.String(allow_none=True, metadata={
            "description": "pass as `cursor` for the page after this one (null: nothing follows)"}),
    }, name=name)


def cursor_field() -> fields.String:
    return fields.String(validate=validate.Length(max=600), metadata={
        "description": "continue after the page that gave this `next_cursor` (keyset: page 4,000 costs what "
                       "page 1 costs); `page` is then ignored"})


class FormField(Schema):
    name = fields.String(required=True)
    label = fields.String(required=True)
    type = fields.String(required=True, validate=validate.OneOf(sorted(FIELD_TYPES)))
    required = fields.Boolean(required=True)
    choices = fields.List(fields.Dict())
    signer = fields.String(metadata={"description": "a `signature` field: the field beside it naming the signer"})
    fields = fields.List(fields.Dict(), metadata={"description": "the row fields of a `rows` field"})


class Form(Schema):
    name = fields.String()
    title = fields.String(required=True)
    fields = fields.List(fields.Nested(FormField), required=True)


class ProcessModel(Schema):
    process_id = fields.String(required=True)
    name = fields.String(required=True)
    version = fields.Integer(required=True)
    deployed_at = fields.String(required=True)
    deployed_by = fields.String()
    deployed_by_name = fields.String(metadata={"description": "who deployed it, by name"})
    content_hash = fields.String()


class ProcessModelVersion(ProcessModel):
    note = fields.String(metadata={"description": "the change note written at deploy"})
    cases_open = fields.Integer(metadata={"description": "cases still running on this version"})
    cases_total = fields.Integer(metadata={"description": "cases ever started on this version"})


class ProcessModelDetail(ProcessModel):
    versions = fields.List(fields.Nested(ProcessModelVersion), required=True)
    start_form = fields.Nested(Form, allow_none=True)
    start_roles = fields.List(fields.String())


class Deployment(Schema):
    process_id = fields.String(required=True)
    version = fields.Integer(required=True)
    created = fields.Boolean()
    deployed = fields.List(fields.Dict())


class ModelsQuery(PageQuery):
    pass


class InstanceCreate(StrictSchema):
    process_id = fields.String(required=True, validate=validate.Length(min=1, max=80))
    data = fields.Dict(load_default=dict)


class TaskItem(Schema):
    id = fields.String(required=True)
    instance_id = fields.Integer(required=True)
    process_id = fields.String(required=True)
    element_id = fields.String(required=True)
    name = fields.String(required=True)
    role = fields.String(required=True)
    assignee = fields.String(allow_none=True)
    due_at = fields.String(allow_none=True)
    form = fields.Dict(allow_none=True)
    status = fields.String()
    case_number = fields.String(allow_none=True)
    customer_name = fields.String(allow_none=True)
    created_at = fields.String()
    completed_at = fields.String(allow_none=True)
    completed_by = fields.String(allow_none=True)
    role_name = fields.String(allow_none=True)
    assignee_name = fields.String(allow_none=True)
    completed_by_name = fields.String(allow_none=True)
    process_name = fields.String(allow_none=True)
    data = fields.Dict(allow_none=True)
    draft = fields.Dict(allow_none=True)


class Instance(Schema):
    id = fields.Integer(required=True)
    process_id = fields.String(required=True)
    version = fields.Integer(required=True)
    status = fields.String(required=True, validate=validate.OneOf(
        ["running", "waiting", "completed", "cancelled", "error", "suspended"]))
    case_number = fields.String(allow_none=True)
    data = fields.Dict(metadata={"description": "the case data (in one case's answers, not in lists); money in "
                                                "it is a decimal string"})
    tasks = fields.List(fields.Nested(TaskItem), metadata={"description": "its ready tasks (one case only)"})
    completed_tasks = fields.List(fields.Nested(TaskItem))
    started_at = fields.String(required=True)
    started_by = fields.String(required=True)
    started_by_name = fields.String()
    process_name = fields.String()
    customer_id = fields.Integer(allow_none=True)
    customer_name = fields.String(allow_none=True)
    equipment_serial = fields.String(allow_none=True)
    ended_at = fields.String(allow_none=True)
    error = fields.Dict(allow_none=True)
    next_task_id = fields.String(allow_none=True, metadata={"description": "after completing a task: the next "
                                                                           "ready task the caller may act on"})


class InstancesQuery(PageQuery):
    cursor = cursor_field()
    process_id = fields.String()
    status = fields.String(validate=validate.OneOf(["running", "waiting", "completed", "cancelled", "error",
                                                    "suspended"]))
    q = fields.String()


class TasksQuery(PageQuery):
    cursor = cursor_field()
    scope = fields.String(load_default="all", validate=validate.OneOf(["mine", "role", "all"]))
    status = fields.String(load_default="ready", validate=validate.OneOf(["ready", "completed", "cancelled", "any"]))
    process_id = fields.String()
    customer = fields.String()
    region = fields.String()
    overdue = fields.Boolean(load_default=False)
    q = fields.String()
    instance_id = id_field()


class TaskComplete(StrictSchema):
    data = fields.Dict(load_default=dict)


class TaskReassign(StrictSchema):
    assignee = fields.String(required=True, validate=validate.Length(min=1, max=80))
    reason = fields.String(load_default="", validate=validate.Length(max=500))


class InstanceCancel(StrictSchema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=500))


class Event(Schema):
    seq = fields.Integer(required=True)
    type = fields.String(required=True)
    at = fields.String(required=True)
    actor = fields.String(required=True)
    actor_name = fields.String()
    element_id = fields.String(allow_none=True)
    task_id = fields.String(allow_none=True)
    data = fields.Dict(required=True)
    hash = fields.String(required=True)
    prev_hash = fields.String()


class EventsQuery(PageQuery):
    type = fields.String(metadata={"description": "comma-separated event types"})
    actor = fields.String()
    per_page = fields.Integer(load_default=100, validate=validate.Range(min=1, max=1000))


class Verify(Schema):
    ok = fields.Boolean(required=True)
    events = fields.Integer(required=True)
    first_bad_seq = fields.Integer(allow_none=True)
    stream = fields.String(allow_none=True)
    problem = fields.String(allow_none=True)
