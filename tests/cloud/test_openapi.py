"""The OpenAPI document describes exactly the routes the app serves, with the configured limits."""

from __future__ import annotations

from cloud.app import init_app
from cloud.config import load_config
from cloud.openapi import openapi_document


def test_every_route_is_described_and_nothing_else(tmp_path):
    config = load_config(None, tmp_path)
    app = init_app(config)
    served = {(r.resource.canonical, r.method.lower()) for r in app.router.routes() if r.method != "HEAD"}
    spec = openapi_document(config)
    described = {(path, method) for path, item in spec["paths"].items() for method in item}
    assert described == served


def test_limits_in_the_description_follow_the_config(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text("[limits]\nmax_clip_s = 7.5\nmax_body_bytes = 12345\n")
    text = openapi_document(load_config(path, tmp_path))["paths"]["/v1/recognize"]["post"]["description"]
    assert "7.5 s" in text and "12345 bytes" in text


def test_only_health_and_readiness_are_public(tmp_path):
    spec = openapi_document(load_config(None, tmp_path))
    public = {path for path, item in spec["paths"].items() for op in item.values() if op.get("security") == []}
    assert public == {"/healthz", "/readyz"} and spec["security"] == [{"bearer": []}]
