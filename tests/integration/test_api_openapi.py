"""The OpenAPI document describes exactly the routes the app serves, and real responses
validate against the schemas it publishes."""

from __future__ import annotations

import re
from datetime import datetime

import pytest
from api_support import api, app, scene  # noqa: F401  (fixtures)

pytestmark = pytest.mark.integration

_TYPES = {
    "object": dict,
    "array": list,
    "string": str,
    "integer": int,
    "number": (int, float),
    "boolean": bool,
}


class SchemaError(AssertionError):
    pass


def validate(value, schema: dict, spec: dict, where: str = "$") -> None:
    """The subset of OpenAPI 3.0 schemas the Convene document uses, strictly."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[1]
        return validate(value, spec["components"]["schemas"][name], spec, where)
    if "allOf" in schema:
        merged = {"type": "object", "properties": {}, "required": [], "additionalProperties": False}
        for part in schema["allOf"]:
            part = (
                spec["components"]["schemas"][part["$ref"].rsplit("/", 1)[1]]
                if "$ref" in part
                else part
            )
            merged["properties"].update(part["properties"])
            merged["required"] += part.get("required", [])
        return validate(value, merged, spec, where)
    if value is None:
        if not schema.get("nullable"):
            raise SchemaError(f"{where}: null but not nullable")
        return
    kind = schema.get("type")
    if kind:
        python = _TYPES[kind]
        if isinstance(value, bool) and kind in ("integer", "number"):
            raise SchemaError(f"{where}: boolean where {kind} expected")
        if not isinstance(value, python):
            raise SchemaError(f"{where}: {type(value).__name__} where {kind} expected")
    if "enum" in schema and value not in schema["enum"]:
        raise SchemaError(f"{where}: {value!r} not in {schema['enum']}")
    if schema.get("format") == "date-time":
        datetime.fromisoformat(value.replace("Z", "+00:00"))
    if kind == "object":
        props = schema.get("properties", {})
        missing = [k for k in schema.get("required", []) if k not in value]
        if missing:
            raise SchemaError(f"{where}: missing {missing}")
        extra = schema.get("additionalProperties", True)
        for key, item in value.items():
            if key in props:
                validate(item, props[key], spec, f"{where}.{key}")
            elif extra is False:
                raise SchemaError(f"{where}: unexpected property {key!r}")
            elif isinstance(extra, dict):
                validate(item, extra, spec, f"{where}.{key}")
    if kind == "array" and "items" in schema:
        for i, item in enumerate(value):
            validate(item, schema["items"], spec, f"{where}[{i}]")


def _spec(client) -> dict:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.get_json()


def test_openapi_is_public_and_lists_exactly_the_routes(app):
    spec = _spec(app.test_client())
    assert spec["openapi"].startswith("3.")
    documented = {(path, method.upper()) for path, ops in spec["paths"].items() for method in ops}
    served = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1"):
            continue
        path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
        served |= {(path, m) for m in rule.methods - {"HEAD", "OPTIONS"}}
    assert not served - documented, (
        f"routes under /api/v1 missing from the OpenAPI document: {sorted(served - documented)}; "
        "declare them with DescribedBlueprint.operation (services/web/api/spec.py)"
    )
    assert not documented - served, f"documented but not served: {sorted(documented - served)}"
    for path, ops in spec["paths"].items():
        names = set(re.findall(r"{(\w+)}", path))
        for op in ops.values():
            assert {p["name"] for p in op["parameters"] if p["in"] == "path"} == names
            assert op["summary"] and op["operationId"]
            for response in op["responses"].values():
                for content in response.get("content", {}).values():
                    ref = content["schema"].get("$ref")
                    if ref:
                        assert ref.rsplit("/", 1)[1] in spec["components"]["schemas"]


def test_responses_validate_against_their_schemas(app, api, scene):
    tom = api("Tom")
    spec = _spec(tom.client)

    def check(path: str, method: str, response, status="200"):
        template = next(
            p
            for p in spec["paths"]
            if re.fullmatch(re.sub(r"{\w+}", r"[^/]+", p), path.split("?")[0])
        )
        op = spec["paths"][template][method]
        schema = op["responses"][status]["content"]["application/json"]["schema"]
        validate(response.get_json(), schema, spec)

    rev_id = tom.get("/api/v1/documents/leadership-definition").get_json()["latest_revision"]
    for path in [
        "/api/v1/me",
        "/api/v1/documents/leadership-definition",
        f"/api/v1/revisions/{rev_id}",
        f"/api/v1/consultations/{scene['c1']}",
        f"/api/v1/consultations/{scene['c1']}/aggregates",
        "/api/v1/feedback?limit=2",
        f"/api/v1/feedback/{scene['reply']}",
        f"/api/v1/feedback/{scene['hostile']}",
    ]:
        response = tom.get(path)
        assert response.status_code == 200, path
        check("/api/v1/" + path.split("/api/v1/")[1], "get", response)
    response = tom.patch(f"/api/v1/feedback/{scene['first']}", {"status": "accepted", "note": "n"})
    check(f"/api/v1/feedback/{scene['first']}", "patch", response)
    response = tom.post(
        "/api/v1/feedback/bulk", {"ids": [scene["reply"]], "change": {"status": "new"}}
    )
    check("/api/v1/feedback/bulk", "post", response)
    for path, status in [("/api/v1/feedback?limit=x", "400"), (f"/api/v1/feedback/{10**6}", "404")]:
        response = tom.get(path)
        assert str(response.status_code) == status
        check(path, "get", response, status)
    anonymous = api(None).get("/api/v1/feedback")
    check("/api/v1/feedback", "get", anonymous, "401")


def test_every_documented_query_parameter_is_accepted(app, api, scene):
    tom = api("Tom")
    spec = _spec(tom.client)
    samples = {
        "consultation": str(scene["c1"]),
        "unit": scene["units"][0],
        "language": "en",
        "status": "new",
        "theme": "1",
        "author": "Alice",
        "assignee": "-",
        "from": "2024-01-01",
        "to": "2030-01-01",
        "q": "a",
        "hidden": "0",
        "sort": "oldest",
        "limit": "5",
        "count": "1",
    }
    params = [p["name"] for p in spec["paths"]["/api/v1/feedback"]["get"]["parameters"]]
    assert set(params) == set(samples) | {"cursor"}
    for name in samples:
        response = tom.get(f"/api/v1/feedback?{name}={samples[name]}")
        assert response.status_code == 200, (name, response.get_json())


def test_validator_catches_mistakes():
    spec = {
        "components": {
            "schemas": {
                "X": {
                    "type": "object",
                    "properties": {"a": {"type": "integer"}},
                    "required": ["a"],
                    "additionalProperties": False,
                }
            }
        }
    }
    ref = {"$ref": "#/components/schemas/X"}
    validate({"a": 1}, ref, spec)
    for bad in [{"a": "1"}, {}, {"a": 1, "b": 2}, {"a": True}, None]:
        with pytest.raises(SchemaError):
            validate(bad, ref, spec)
