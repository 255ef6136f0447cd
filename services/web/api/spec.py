"""Routes that describe themselves: each API route is registered with its OpenAPI operation,
so the document at ``/api/v1/openapi.json`` is built from the same table Flask routes from.

Any blueprint serving under ``/api/v1`` takes part by being a ``DescribedBlueprint`` and
declaring its routes with ``@bp.operation(...)`` instead of ``@bp.get``/``@bp.post``::

    bp = DescribedBlueprint("widget", __name__, url_prefix="/api/v1/widget",
                            security_schemes={"wikiSignature": {...}})

    @bp.operation("/status", "GET", summary="Per-unit counts", tag="widget",
                  response=None, security=[{"wikiSignature": []}])
    def status(): ...

``openapi_document(app)`` merges every such blueprint; a test checks that no ``/api/v1``
route is left out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint

from services.web.api.schemas import SCHEMAS

API_PREFIX = "/api/v1"
_CONVERTER = re.compile(r"<(?:(\w+):)?(\w+)>")


@dataclass
class Param:
    name: str
    description: str
    schema: dict[str, Any] = field(default_factory=lambda: {"type": "string"})
    where: str = "query"
    required: bool = False
    many: bool = False

    def as_openapi(self) -> dict[str, Any]:
        schema = {"type": "array", "items": self.schema} if self.many else self.schema
        out = {
            "name": self.name,
            "in": self.where,
            "description": self.description,
            "required": self.required or self.where == "path",
            "schema": schema,
        }
        if self.many:
            out.update(style="form", explode=True)
        return out


def openapi_path(rule: str) -> tuple[str, list[Param]]:
    """A Flask rule as an OpenAPI path, with its path parameters."""
    params = []
    for converter, name in _CONVERTER.findall(rule):
        schema = {"type": "integer"} if converter == "int" else {"type": "string"}
        params.append(Param(name, f"the {name.replace('_', ' ')}", schema, where="path"))
    return _CONVERTER.sub(r"{\2}", rule), params


class DescribedBlueprint(Blueprint):
    """A Blueprint whose ``operation`` decorator records the OpenAPI description of a route."""

    def __init__(
        self,
        *args,
        schemas: dict[str, dict] | None = None,
        security_schemes: dict[str, dict] | None = None,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.operations: dict[str, dict[str, dict[str, Any]]] = {}
        self.schemas = dict(schemas or {})
        self.security_schemes = dict(security_schemes or {})

    def operation(
        self,
        rule: str,
        method: str,
        *,
        summary: str,
        tag: str,
        response: str | None,
        params: list[Param] = (),
        body: str | None = None,
        public: bool = False,
        content: str = "application/json",
        errors: tuple[int, ...] = (),
        security: list[dict] | None = None,
    ):
        def decorator(view):
            self.add_url_rule(rule, view_func=view, methods=[method])
            path, path_params = openapi_path((self.url_prefix or "") + rule)
            op: dict[str, Any] = {
                "operationId": view.__name__,
                "summary": summary,
                "tags": [tag],
                "parameters": [p.as_openapi() for p in (*path_params, *params)],
                "responses": {"200": {"description": "OK"}},
            }
            if response:
                op["responses"]["200"]["content"] = {
                    content: {"schema": {"$ref": f"#/components/schemas/{response}"}}
                }
            elif content != "application/json":
                op["responses"]["200"]["content"] = {content: {"schema": {"type": "string"}}}
            if body:
                op["requestBody"] = {
                    "required": True,
                    "content": {
                        "application/json": {"schema": {"$ref": f"#/components/schemas/{body}"}}
                    },
                }
            codes = set(errors) | ({400} if params or body else set())
            if security is not None:
                op["security"] = security
            elif not public:
                codes.add(401)
                op["security"] = [{"bearerToken": []}, {"sessionCookie": []}]
            else:
                op["security"] = []
            for code in sorted(codes):
                op["responses"][str(code)] = {
                    "description": _ERRORS[code],
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}
                    },
                }
            self.operations.setdefault(path, {})[method.lower()] = op
            return view

        return decorator


def openapi_document(app, server_url: str) -> dict[str, Any]:
    """The OpenAPI document of every DescribedBlueprint registered on ``app``."""
    paths: dict[str, dict[str, Any]] = {}
    schemas = dict(SCHEMAS)
    security_schemes = {
        "bearerToken": {"type": "http", "scheme": "bearer"},
        "sessionCookie": {
            "type": "apiKey",
            "in": "cookie",
            "name": app.config.get("SESSION_COOKIE_NAME", "convene"),
        },
    }
    for blueprint in app.blueprints.values():
        if isinstance(blueprint, DescribedBlueprint):
            for path, ops in blueprint.operations.items():
                paths.setdefault(path, {}).update(ops)
            schemas.update(blueprint.schemas)
            security_schemes.update(blueprint.security_schemes)
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "Convene API",
            "version": "1.0.0",
            "description": "Documents, consultations and the triage of their feedback. "
            "Scripts authenticate with `Authorization: Bearer <token>` "
            "(`convene user token NAME`); browsers with the session "
            "cookie and an `X-CSRFToken` header on changes. Lists are "
            "keyset-paginated: follow `next_cursor`.",
        },
        "servers": [{"url": server_url}],
        "paths": {path: dict(sorted(ops.items())) for path, ops in sorted(paths.items())},
        "components": {"schemas": schemas, "securitySchemes": security_schemes},
    }


_ERRORS = {
    400: "Bad request: a parameter or the body is invalid (the error names it)",
    401: "Not signed in, or the API token is unknown or revoked",
    403: "Signed in, but not allowed to do this",
    404: "No such thing, or none you may see",
    415: "The body must be JSON",
}
