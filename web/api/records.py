"""Domain records over the API: customers, equipment, engineers and parts. Everyone logged in reads
(paginated, `?q=` search); the service desk and administrators create and update. Input is
validated by the record forms of workflows/records/service.py (messages in the request's language)."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from marshmallow import INCLUDE, Schema, fields, validate

from engine import queries
from engine.clock import isoformat
from web.api.base import bp, doc, envelope, lang, parse_body, parse_query
from web.auth import current_actor, roles_required
from web.schemas import PageQuery, page_of
from workflows.case_data import local_date
from workflows.records import service as records
from workflows.records.dispatch import open_task_counts
from workflows.records.tables import Customer, Engineer, Equipment, Part

EDITORS = records.EDITORS


# ---------------------------------------------------------------- schemas (query, body, response)
class CustomersQuery(PageQuery):
    q = fields.String(metadata={"description": "part of the name, region or address"})
    region = fields.String()
    customer_class = fields.String(data_key="class", validate=validate.OneOf(["key", "ordinary"]))


class EquipmentQuery(PageQuery):
    q = fields.String(metadata={"description": "part of the serial, model, contract number or customer name"})
    customer_id = fields.Integer()


class EngineersQuery(PageQuery):
    q = fields.String(metadata={"description": "part of the username or name"})
    region_team = fields.String(validate=validate.OneOf(["south_west", "north", "general"]))


class PartsQuery(PageQuery):
    q = fields.String(metadata={"description": "part of the code or name"})


class RecordBody(Schema):
    """Any JSON object; the record form validates it (with messages in the request's language)."""

    class Meta:
        unknown = INCLUDE


_DOC_FIELDS = {"string": fields.String, "text": fields.String, "integer": fields.Integer, "boolean": fields.Boolean,
               "date": fields.Date, "customer": fields.Integer, "engineer": fields.String,
               "equipment": fields.String, "part": fields.String}


def _doc_field(spec: Mapping[str, Any]) -> fields.Field:
    description = {"description": spec["label"]["zh"] + " / " + spec["label"]["en"]}
    if spec["type"] == "rows":
        return fields.List(fields.Nested(_doc_schema(spec["fields"], f"{spec['name'].title()}Row")),
                           metadata=description)
    if spec["type"] == "number":
        return fields.Decimal(as_string=True, metadata=description)
    if spec["type"] == "enum":
        choice = fields.String(validate=validate.OneOf([c["value"] for c in spec["choices"]]))
        return fields.List(choice, metadata=description) if spec.get("multiple") else \
            fields.String(validate=validate.OneOf([c["value"] for c in spec["choices"]]), metadata=description)
    return _DOC_FIELDS[spec["type"]](metadata=description)


def _doc_schema(specs, name: str) -> type[Schema]:
    """A schema describing a record form in the OpenAPI document."""
    return Schema.from_dict({s["name"]: _doc_field(s) for s in specs}, name=name)


CustomerIn = _doc_schema(records.CUSTOMER_FORM["fields"], "CustomerIn")
EquipmentIn = _doc_schema(records.EQUIPMENT_FORM["fields"], "EquipmentIn")
EngineerIn = _doc_schema(records.ENGINEER_FORM["fields"], "EngineerIn")
PartIn = _doc_schema(records.PART_FORM["fields"], "PartIn")
CustomerItem = Schema.from_dict({"id": fields.Integer(), "name": fields.String(),
                                 "class": fields.String(), "region": fields.String()}, name="CustomerItem")
EquipmentItem = Schema.from_dict({"id": fields.Integer(), "serial": fields.String(), "customer_id": fields.Integer(),
                                  "model": fields.String(), "warranty_end": fields.Date()}, name="EquipmentItem")
EngineerItem = Schema.from_dict({"id": fields.Integer(), "username": fields.String(),
                                 "region_team": fields.String()}, name="EngineerItem")
PartItem = Schema.from_dict({"code": fields.String(), "name": fields.String(),
                             "price": fields.Decimal(as_string=True)}, name="PartItem")


# ---------------------------------------------------------------- presentation
def customer_item(customer: Customer, detail: bool = False) -> dict[str, Any]:
    item = {"id": customer.id, "name": customer.name, "class": customer.customer_class, "region": customer.region}
    if detail:
        item.update(address=customer.address, contacts=customer.contacts, key_revisit=customer.key_revisit,
                    key_revisit_case=customer.key_revisit_case, last_revisit_at=isoformat(customer.last_revisit_at),
                    last_satisfaction=customer.last_satisfaction, updated_at=isoformat(customer.updated_at))
    return item


def equipment_item(equipment: Equipment, detail: bool = False) -> dict[str, Any]:
    item = {"id": equipment.id, "serial": equipment.serial, "customer_id": equipment.customer_id,
            "model": equipment.model, "warranty_end": equipment.warranty_end.isoformat()}
    if detail:
        item.update(customer_name=equipment.customer.name, contract_number=equipment.contract_number,
                    ship_date=equipment.ship_date.isoformat(), inspection_record=equipment.inspection_record,
                    in_warranty=equipment.in_warranty(local_date(None)), updated_at=isoformat(equipment.updated_at))
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
@doc(summary="One customer with address, contacts and revisit state", tag="records", errors=(401, 404))
def get_customer(customer_id: int):
    return customer_item(records.get_customer(customer_id), detail=True)


@bp.post("/customers")
@roles_required(*EDITORS)
@doc(summary="Create a customer (service desk, admin)", tag="records", body=CustomerIn, response=CustomerItem,
     status=201, errors=(401, 403, 409, 422))
def create_customer():
    customer = records.save_customer(parse_body(RecordBody), actor=current_actor(), lang=lang())
    return customer_item(customer, detail=True), 201


@bp.patch("/customers/<int:customer_id>")
@roles_required(*EDITORS)
@doc(summary="Change some of a customer's fields (service desk, admin)", tag="records", body=CustomerIn,
     response=CustomerItem, errors=(401, 403, 404, 409, 422))
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
@doc(summary="One piece of equipment with its warranty status today", tag="records", errors=(401, 404))
def get_equipment(equipment_id: int):
    return equipment_item(records.get_equipment(equipment_id), detail=True)


@bp.post("/equipment")
@roles_required(*EDITORS)
@doc(summary="Register installed equipment (service desk, admin)", tag="records", body=EquipmentIn,
     response=EquipmentItem, status=201, errors=(401, 403, 409, 422))
def create_equipment():
    equipment = records.save_equipment(parse_body(RecordBody), actor=current_actor(), lang=lang())
    return equipment_item(equipment, detail=True), 201


@bp.patch("/equipment/<int:equipment_id>")
@roles_required(*EDITORS)
@doc(summary="Change some of a piece of equipment's fields (service desk, admin)", tag="records",
     body=EquipmentIn, response=EquipmentItem, errors=(401, 403, 404, 409, 422))
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
@doc(summary="One engineer with skills and open task count", tag="records", errors=(401, 404))
def get_engineer(engineer_id: int):
    return engineer_item(records.get_engineer(engineer_id), detail=True)


@bp.post("/engineers")
@roles_required(*EDITORS)
@doc(summary="Register a user with the engineer role as a service engineer (service desk, admin)",
     tag="records", body=EngineerIn, response=EngineerItem, status=201, errors=(401, 403, 409, 422))
def create_engineer():
    engineer = records.save_engineer(parse_body(RecordBody), actor=current_actor(), lang=lang())
    return engineer_item(engineer, detail=True), 201


@bp.patch("/engineers/<int:engineer_id>")
@roles_required(*EDITORS)
@doc(summary="Change an engineer's team or skills (service desk, admin)", tag="records", body=EngineerIn,
     response=EngineerItem, errors=(401, 403, 404, 422))
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
@doc(summary="Change a part's name or price (service desk, admin)", tag="records", body=PartIn,
     response=PartItem, errors=(401, 403, 404, 422))
def update_part(code: str):
    return part_item(records.save_part(parse_body(RecordBody), actor=current_actor(), lang=lang(), code=code))

