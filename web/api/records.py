"""Domain records over the API: customers, equipment, engineers and parts. Everyone logged in reads
(paginated, `?q=` search); the service desk and administrators create and update. Input is
validated by the record forms of workflows/records/service.py (messages in the request's language)."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from marshmallow import INCLUDE, Schema, fields, validate

from engine import queries
from engine.clock import isoformat
from engine.forms import MONEY_MAX
from web.api.base import bp, doc, envelope, lang, parse_body, parse_query
from web.auth import current_actor, roles_required
from web.bounds import MAX_ID
from web.schemas import PageQuery, id_field, page_of
from workflows.case_data import local_date
from workflows.records import service as records
from workflows.records.dispatch import open_task_counts
from workflows.records.tables import Customer, Engineer, Equipment, Part
from workflows.records.warranty import warranty_of

EDITORS = records.EDITORS


# ---------------------------------------------------------------- schemas (query, body, response)
class CustomersQuery(PageQuery):
    q = fields.String(metadata={"description": "part of the name, region or address"})
    region = fields.String()
    customer_class = fields.String(data_key="class", validate=validate.OneOf(["key", "ordinary"]))


class EquipmentQuery(PageQuery):
    q = fields.String(metadata={"description": "part of the serial, model, contract number or customer name"})
    customer_id = id_field()


class EngineersQuery(PageQuery):
    q = fields.String(metadata={"description": "part of the username or name"})
    region_team = fields.String(validate=validate.OneOf(["south_west", "north", "general"]))


class PartsQuery(PageQuery):
    q = fields.String(metadata={"description": "part of the code or name"})


class RecordBody(Schema):
    """Any JSON object; the record form validates it (with messages in the request's language)."""

    class Meta:
        unknown = INCLUDE


_ROWS: dict[str, type[Schema]] = {}  # row schemas, shared by a record's create and update bodies
_DATE = r"\d{4}-\d{2}-\d{2}"
_MONEY = r"\d{1,10}(\.\d{1,2})?"  # engine.forms.MONEY_MAX


def _doc_shape(spec: Mapping[str, Any], required: bool) -> dict[str, Any]:
    """The JSON schema of one record-form field as the form reads it: blank text counts as left out,
    an optional field may be null, money is a decimal string (a JSON number is read too)."""
    kind = spec["type"]
    if kind in ("string", "text"):
        pattern = r"^[^\u0000]*\S[^\u0000]*$" if required else r"^[^\u0000]*$"
        return {"type": "string", "maxLength": spec.get("max_length", 200), "pattern": pattern}
    if kind == "date":
        return {"type": "string", "pattern": f"^\\s*{_DATE}\\s*$" if required else f"^\\s*({_DATE})?\\s*$"}
    if kind == "number":
        text = f"^\\s*{_MONEY}\\s*$" if required else f"^\\s*({_MONEY})?\\s*$"
        return {"anyOf": [{"type": "string", "format": "decimal", "pattern": text},
                          {"type": "number", "minimum": spec.get("min", 0), "maximum": float(MONEY_MAX)}]}
    if kind == "enum":
        choice = {"type": "string", "enum": [c["value"] for c in spec["choices"]]}
        return {"type": "array", "items": choice} if spec.get("multiple") else choice
    if kind == "customer":
        return {"type": "integer", "minimum": 1, "maximum": MAX_ID}
    if kind == "integer":  # a whole number, also as text; blank text counts as left out
        digits = r"^\s*\d{1,9}\s*$" if required else r"^\s*(\d{1,9})?\s*$"
        return {"anyOf": [{"type": "integer", "minimum": spec.get("min", 0), "maximum": spec.get("max", MAX_ID)},
                          {"type": "string", "pattern": digits}]}
    return {"type": "string", "pattern": r"^[^\u0000]*\S[^\u0000]*$"}  # the other references: a code or name


def _doc_field(spec: Mapping[str, Any], partial: bool) -> fields.Field:
    """How the record form validates a field, told in the OpenAPI document."""
    required = bool(spec.get("required")) and not partial
    description = spec["label"]["zh"] + " / " + spec["label"]["en"]
    nullable = not spec.get("required")  # an update may leave a required field out, but not empty it
    if spec["type"] == "rows":
        name = f"{spec['name'].title()}Row"
        row = _ROWS.setdefault(name, _doc_schema(spec["fields"], name, partial=False))
        return fields.List(fields.Nested(row), required=required,
                           validate=validate.Length(max=spec.get("max_rows", 200)),
                           metadata={"description": description})
    shape = _doc_shape(spec, required)
    if nullable:
        shape["nullable"] = True
    return fields.Raw(required=required, metadata={"description": description, **shape})


def _doc_schema(specs, name: str, *, partial: bool) -> type[Schema]:
    """A schema describing a record form in the OpenAPI document (`partial`: every field optional, as
    PATCH takes them)."""
    return Schema.from_dict({s["name"]: _doc_field(s, partial) for s in specs}, name=name)


CustomerIn = _doc_schema(records.CUSTOMER_FORM["fields"], "CustomerIn", partial=False)
CustomerPatch = _doc_schema(records.CUSTOMER_FORM["fields"], "CustomerPatch", partial=True)
EquipmentIn = _doc_schema(records.EQUIPMENT_FORM["fields"], "EquipmentIn", partial=False)
EquipmentPatch = _doc_schema(records.EQUIPMENT_FORM["fields"], "EquipmentPatch", partial=True)
EngineerIn = _doc_schema(records.ENGINEER_FORM["fields"], "EngineerIn", partial=False)
EngineerPatch = _doc_schema([f for f in records.ENGINEER_FORM["fields"] if f["name"] not in records.IMMUTABLE[
    "engineer"]], "EngineerPatch", partial=True)
PartIn = _doc_schema(records.PART_FORM["fields"], "PartIn", partial=False)
PartPatch = _doc_schema([f for f in records.PART_FORM["fields"] if f["name"] not in records.IMMUTABLE["part"]],
                        "PartPatch", partial=True)
_CUSTOMER = {"id": fields.Integer(required=True), "name": fields.String(required=True),
             "class": fields.String(required=True), "region": fields.String(required=True)}
CustomerItem = Schema.from_dict(_CUSTOMER, name="CustomerItem")
CustomerDetail = Schema.from_dict({
    **_CUSTOMER, "address": fields.String(required=True), "contacts": fields.List(fields.Dict(), required=True),
    "key_revisit": fields.Boolean(required=True), "key_revisit_case": fields.String(allow_none=True),
    "last_revisit_at": fields.String(allow_none=True), "last_satisfaction": fields.Integer(allow_none=True),
    "updated_at": fields.String(required=True)}, name="CustomerDetail")
_EQUIPMENT = {"id": fields.Integer(required=True), "serial": fields.String(required=True),
              "customer_id": fields.Integer(required=True), "model": fields.String(required=True),
              "warranty_end": fields.Date(required=True), "in_warranty": fields.Boolean(required=True)}
EquipmentItem = Schema.from_dict(_EQUIPMENT, name="EquipmentItem")
EquipmentDetail = Schema.from_dict({
    **_EQUIPMENT, "customer_name": fields.String(required=True), "contract_number": fields.String(allow_none=True),
    "ship_date": fields.Date(required=True), "inspection_record": fields.String(allow_none=True),
    "commissioned_on": fields.Date(allow_none=True), "warranty_months": fields.Integer(required=True),
    "warranty_start": fields.Date(required=True), "updated_at": fields.String(required=True)}, name="EquipmentDetail")
_ENGINEER = {"id": fields.Integer(required=True), "username": fields.String(required=True),
             "region_team": fields.String(required=True)}
EngineerItem = Schema.from_dict(_ENGINEER, name="EngineerItem")
EngineerDetail = Schema.from_dict({
    **_ENGINEER, "display_name": fields.String(required=True), "skills": fields.List(fields.String(), required=True),
    "active": fields.Boolean(required=True), "open_tasks": fields.Integer(required=True)}, name="EngineerDetail")
PartItem = Schema.from_dict({"code": fields.String(required=True), "name": fields.String(required=True),
                             "price": fields.Decimal(as_string=True, required=True)}, name="PartItem")


# ---------------------------------------------------------------- presentation
def customer_item(customer: Customer, detail: bool = False) -> dict[str, Any]:
    item = {"id": customer.id, "name": customer.name, "class": customer.customer_class, "region": customer.region}
    if detail:
        item.update(address=customer.address, contacts=customer.contacts, key_revisit=customer.key_revisit,
                    key_revisit_case=customer.key_revisit_case, last_revisit_at=isoformat(customer.last_revisit_at),
                    last_satisfaction=customer.last_satisfaction, updated_at=isoformat(customer.updated_at))
    return item


def equipment_item(equipment: Equipment, detail: bool = False) -> dict[str, Any]:
    covered = warranty_of(equipment, on=local_date(None))
    item = {"id": equipment.id, "serial": equipment.serial, "customer_id": equipment.customer_id,
            "model": equipment.model, "warranty_end": covered.end.isoformat(), "in_warranty": covered.in_warranty}
    if detail:
        item.update(customer_name=equipment.customer.name, contract_number=equipment.contract_number,
                    ship_date=equipment.ship_date.isoformat(), inspection_record=equipment.inspection_record,
                    commissioned_on=equipment.commissioned_on.isoformat() if equipment.commissioned_on else None,
                    warranty_months=covered.months, warranty_start=covered.start.isoformat(),
                    updated_at=isoformat(equipment.updated_at))
    return item


def engineer_item(engineer: Engineer, detail: bool = False) -> dict[str, Any]:
    item = {"id": engineer.id, "username": engineer.username, "region_team": engineer.region_team}
    if detail:
        item.update(display_name=engineer.user.display_name, skills=engineer.skills, active=engineer.active,
                    open_tasks=open_task_counts([engineer.username])[engineer.username])
    return item


def part_item(part: Part, detail: bool = False) -> dict[str, Any]:
    return {"code": part.code, "name": part.name, "price": str(part.price)}


def _page(query, args, render):
    return envelope(queries.paginate(query, args["page"], args["per_page"]), render)


# ---------------------------------------------------------------- customers
@bp.get("/customers")
@doc(summary="Customers (search by name, region or address)", tag="records", query=CustomersQuery,
     response=page_of(CustomerItem, "CustomerPage"))
def list_customers():
    args = parse_query(CustomersQuery)
    query = records.customer_query(args.get("q"), region=args.get("region"), customer_class=args.get("customer_class"))
    return _page(query, args, customer_item)


@bp.get("/customers/<int:customer_id>")
@doc(summary="One customer with address, contacts and revisit state", tag="records", response=CustomerDetail,
     errors=(401, 404))
def get_customer(customer_id: int):
    return customer_item(records.get_customer(customer_id), detail=True)


@bp.post("/customers")
@roles_required(*EDITORS)
@doc(summary="Create a customer (service desk, admin)", tag="records", body=CustomerIn, response=CustomerDetail,
     status=201, errors=(401, 403, 409, 422))
def create_customer():
    customer = records.save_customer(parse_body(RecordBody), actor=current_actor(), lang=lang())
    return customer_item(customer, detail=True), 201


@bp.patch("/customers/<int:customer_id>")
@roles_required(*EDITORS)
@doc(summary="Change some of a customer's fields (service desk, admin)", tag="records", body=CustomerPatch,
     response=CustomerDetail, errors=(401, 403, 404, 409, 422))
def update_customer(customer_id: int):
    customer = records.save_customer(parse_body(RecordBody), actor=current_actor(), lang=lang(),
                                     customer_id=customer_id)
    return customer_item(customer, detail=True)


# ---------------------------------------------------------------- equipment
@bp.get("/equipment")
@doc(summary="Installed equipment (search by serial, model, contract or customer)", tag="records",
     query=EquipmentQuery, response=page_of(EquipmentItem, "EquipmentPage"))
def list_equipment():
    args = parse_query(EquipmentQuery)
    return _page(records.equipment_query(args.get("q"), customer_id=args.get("customer_id")), args, equipment_item)


@bp.get("/equipment/<int:equipment_id>")
@doc(summary="One piece of equipment with its warranty status today", tag="records", response=EquipmentDetail,
     errors=(401, 404))
def get_equipment(equipment_id: int):
    return equipment_item(records.get_equipment(equipment_id), detail=True)


@bp.post("/equipment")
@roles_required(*EDITORS)
@doc(summary="Register installed equipment (service desk, admin)", tag="records", body=EquipmentIn,
     response=EquipmentDetail, status=201, errors=(401, 403, 409, 422))
def create_equipment():
    equipment = records.save_equipment(parse_body(RecordBody), actor=current_actor(), lang=lang())
    return equipment_item(equipment, detail=True), 201


@bp.patch("/equipment/<int:equipment_id>")
@roles_required(*EDITORS)
@doc(summary="Change some of a piece of equipment's fields (service desk, admin)", tag="records",
     body=EquipmentPatch, response=EquipmentDetail, errors=(401, 403, 404, 409, 422))
def update_equipment(equipment_id: int):
    equipment = records.save_equipment(parse_body(RecordBody), actor=current_actor(), lang=lang(),
                                       equipment_id=equipment_id)
    return equipment_item(equipment, detail=True)


# ---------------------------------------------------------------- engineers
@bp.get("/engineers")
@doc(summary="Service engineers and their region teams", tag="records", query=EngineersQuery,
     response=page_of(EngineerItem, "EngineerPage"))
def list_engineers():
    args = parse_query(EngineersQuery)
    return _page(records.engineer_query(args.get("q"), region_team=args.get("region_team")), args, engineer_item)


@bp.get("/engineers/<int:engineer_id>")
@doc(summary="One engineer with skills and open task count", tag="records", response=EngineerDetail,
     errors=(401, 404))
def get_engineer(engineer_id: int):
    return engineer_item(records.get_engineer(engineer_id), detail=True)


@bp.post("/engineers")
@roles_required(*EDITORS)
@doc(summary="Register a user with the engineer role as a service engineer (service desk, admin)",
     tag="records", body=EngineerIn, response=EngineerDetail, status=201, errors=(401, 403, 409, 422))
def create_engineer():
    engineer = records.save_engineer(parse_body(RecordBody), actor=current_actor(), lang=lang())
    return engineer_item(engineer, detail=True), 201


@bp.patch("/engineers/<int:engineer_id>")
@roles_required(*EDITORS)
@doc(summary="Change an engineer's team or skills (service desk, admin)", tag="records", body=EngineerPatch,
     response=EngineerDetail, errors=(401, 403, 404, 422))
def update_engineer(engineer_id: int):
    engineer = records.save_engineer(parse_body(RecordBody), actor=current_actor(), lang=lang(),
                                     engineer_id=engineer_id)
    return engineer_item(engineer, detail=True)


# ---------------------------------------------------------------- parts
@bp.get("/parts")
@doc(summary="The parts catalogue (prices are decimal strings)", tag="records", query=PartsQuery,
     response=page_of(PartItem, "PartPage"))
def list_parts():
    args = parse_query(PartsQuery)
    return _page(records.part_query(args.get("q")), args, part_item)


@bp.get("/parts/<code>")
@doc(summary="One part", tag="records", response=PartItem, errors=(401, 404))
def get_part(code: str):
    return part_item(records.get_part(code))


@bp.post("/parts")
@roles_required(*EDITORS)
@doc(summary="Add a part to the catalogue (service desk, admin)", tag="records", body=PartIn, response=PartItem,
     status=201, errors=(401, 403, 409, 422))
def create_part():
    return part_item(records.save_part(parse_body(RecordBody), actor=current_actor(), lang=lang())), 201


@bp.patch("/parts/<code>")
@roles_required(*EDITORS)
@doc(summary="Change a part's name or price (service desk, admin)", tag="records", body=PartPatch,
     response=PartItem, errors=(401, 403, 404, 422))
def update_part(code: str):
    return part_item(records.save_part(parse_body(RecordBody), actor=current_actor(), lang=lang(), code=code))

