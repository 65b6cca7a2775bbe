"""API schemas (marshmallow): they validate requests and generate the OpenAPI document."""
from __future__ import annotations

from marshmallow import RAISE, Schema, fields, validate


class StrictSchema(Schema):
    class Meta:
        unknown = RAISE


class Error(Schema):
    code = fields.String(required=True)
    message = fields.String(required=True)
    errors = fields.Raw(metadata={"description": "per-field messages (422) or problem list (deploy)"})


class TokenRequest(StrictSchema):
    username = fields.String(required=True, validate=validate.Length(min=1, max=80))
    password = fields.String(required=True, validate=validate.Length(min=1, max=200))


class TokenResponse(Schema):
    token = fields.String(required=True)
    expires_at = fields.String()


class PageQuery(Schema):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1))
    per_page = fields.Integer(load_default=20, validate=validate.Range(min=1, max=200))


def page_of(item_schema: type[Schema], name: str) -> type[Schema]:
    return Schema.from_dict({
        "items": fields.List(fields.Nested(item_schema), required=True),
        "total": fields.Integer(required=True),
        "page": fields.Integer(required=True),
        "per_page": fields.Integer(required=True),
    }, name=name)


class FormField(Schema):
    name = fields.String(required=True)
    label = fields.String(required=True)
    type = fields.String(required=True, validate=validate.OneOf(sorted(
        {"string", "text", "integer", "number", "boolean", "date", "datetime", "enum", "file", "customer",
         "equipment", "engineer", "part", "rows"})))
    required = fields.Boolean(required=True)
    choices = fields.List(fields.Dict())
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
    content_hash = fields.String()


class ProcessModelDetail(ProcessModel):
    versions = fields.List(fields.Nested(ProcessModel), required=True)
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
    case_number = fields.String()
    data = fields.Dict()
    tasks = fields.List(fields.Nested(TaskItem))
    completed_tasks = fields.List(fields.Nested(TaskItem))
    started_at = fields.String()
    started_by = fields.String()
    started_by_name = fields.String()
    process_name = fields.String()
    customer_id = fields.Integer(allow_none=True)
    customer_name = fields.String(allow_none=True)
    equipment_serial = fields.String(allow_none=True)
    ended_at = fields.String(allow_none=True)
    error = fields.Dict(allow_none=True)
    next_task_id = fields.String(allow_none=True)


class InstancesQuery(PageQuery):
    process_id = fields.String()
    status = fields.String(validate=validate.OneOf(["running", "waiting", "completed", "cancelled", "error",
                                                    "suspended"]))
    q = fields.String()


class TasksQuery(PageQuery):
    scope = fields.String(load_default="all", validate=validate.OneOf(["mine", "role", "all"]))
    status = fields.String(load_default="ready", validate=validate.OneOf(["ready", "completed", "cancelled", "any"]))
    process_id = fields.String()
    customer = fields.String()
    region = fields.String()
    overdue = fields.Boolean(load_default=False)
    q = fields.String()
    instance_id = fields.Integer()


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
