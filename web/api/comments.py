"""Comments on a case: `GET/POST /process-instances/{id}/comments`. Readers of the case read
them; everyone who may read it but auditors may write, mentioning people who may read it too."""
from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, validate

from engine import queries
from engine.clock import isoformat, now
from web.api.base import bp, doc, envelope, lang, parse_body, parse_query
from web.auth import current_actor
from web.schemas import PageQuery, StrictSchema, page_of
from workflows.collaboration import comments


class CommentCreate(StrictSchema):
    body = fields.String(required=True, validate=validate.Length(min=1, max=comments.MAX_BODY))
    mentions = fields.List(fields.String(validate=validate.Length(min=1, max=80)), load_default=list,
                           validate=validate.Length(max=comments.MAX_MENTIONS),
                           metadata={"description": "usernames of people who may read the case"})


class Person(Schema):
    username = fields.String(required=True)
    name = fields.String(required=True)


class CommentItem(Schema):
    seq = fields.Integer(required=True, metadata={"description": "the comment's place in the case's audit trail"})
    at = fields.String(required=True)
    author = fields.String(required=True)
    author_name = fields.String(required=True)
    body = fields.String(required=True)
    mentions = fields.List(fields.Nested(Person), required=True)


def comment_item(comment: comments.Comment, names: dict[str, str]) -> dict[str, Any]:
    return {"seq": comment.seq, "at": isoformat(comment.at), "author": comment.author,
            "author_name": names.get(comment.author, comment.author), "body": comment.body,
            "mentions": [{"username": m, "name": names.get(m, m)} for m in comment.mentions]}


def _names_for(items: list[comments.Comment]) -> dict[str, str]:
    return queries.display_names({c.author for c in items} | {m for c in items for m in c.mentions})


@bp.get("/process-instances/<int:instance_id>/comments")
@doc(summary="The case's comments, oldest first", tag="comments", query=PageQuery,
     response=page_of(CommentItem, "CommentPage"), errors=(401, 403, 404, 422))
def list_comments(instance_id: int):
    queries.readable_case(instance_id, current_actor())
    args = parse_query(PageQuery)
    page = queries.paginate(comments.comments_query(instance_id), args["page"], args["per_page"])
    page.items = [comments.as_comment(e) for e in page.items]
    names = _names_for(page.items)
    return envelope(page, lambda c: comment_item(c, names))


@bp.post("/process-instances/<int:instance_id>/comments")
@doc(summary="Comment on a case, mentioning people (they are notified); auditors may not", tag="comments",
     body=CommentCreate, response=CommentItem, status=201, errors=(401, 403, 404, 422))
def add_comment(instance_id: int):
    actor = current_actor()
    comments.require_commenter(actor, instance_id)
    body = parse_body(CommentCreate)
    comment = comments.add_comment(instance_id=instance_id, body=body["body"], mentions=body["mentions"],
                                   actor=actor, now=now(), lang=lang())
    return comment_item(comment, _names_for([comment])), 201
