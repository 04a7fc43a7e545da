#!/usr/bin/env python3
"""Writes the seed corpus of the http_request and json_bodies fuzz targets, and their dictionaries,
from docs/api/openapi.yaml: one request per operation, with a body built from its schema (required
and optional fields, enum values, lengths within bounds) and example query parameters.

    fuzz/make_seeds.py          # rewrites fuzz/corpus/{http_request,json_bodies} and fuzz/dict/*.dict

Run it after adding routes; the seeds are small and committed. Needs python3-yaml (scripts/bootstrap).
"""
import json
import os
import re
import shutil
import sys
import urllib.parse

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

# Who may call what: the role each seed acts as (json_bodies), so the handler is reached.
ROLE_BY_PREFIX = [
    ("/api/v1/public/", "admin"),
    ("/open311/", "admin"),
]


def resolve(spec, node):
    while isinstance(node, dict) and "$ref" in node:
        path = node["$ref"].lstrip("#/").split("/")
        node = spec
        for p in path:
            node = node[p]
    return node


def example(spec, schema, name=""):
    schema = resolve(spec, schema or {})
    if "example" in schema:
        return schema["example"]
    if "enum" in schema:
        return schema["enum"][0]
    if "oneOf" in schema or "anyOf" in schema:
        return example(spec, (schema.get("oneOf") or schema.get("anyOf"))[0], name)
    t = schema.get("type")
    if isinstance(t, list):
        t = [x for x in t if x != "null"][0]
    if t == "object" or "properties" in schema:
        return {k: example(spec, v, k) for k, v in schema.get("properties", {}).items()}
    if t == "array":
        return [example(spec, schema.get("items", {}), name)]
    if t == "integer":
        return max(1, schema.get("minimum", 1))
    if t == "number":
        return 1.5
    if t == "boolean":
        return True
    # Strings shaped like what the field holds, where the name tells.
    if "id_number" in name:
        return valid_id_number("11010819500101001")
    if "phone" in name:
        return "13812345678"
    if name.endswith("date") or name in ("moved_in", "date", "since", "until"):
        return "2024-05-01"
    if "password" in name:
        return "Fuzz-passw0rd"
    if "url" in name:
        return "https://example.org/hook"
    text = "王建国" if name in ("name", "display_name", "reporter_name") else "测试 test"
    lo = schema.get("minLength", 0)
    hi = schema.get("maxLength", 100)
    while len(text) < lo:
        text += "x"
    return text[:hi]


def valid_id_number(first17):
    """GB 11643: ISO 7064 MOD 11-2 check character."""
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    return first17 + "10X98765432"[sum(int(c) * w for c, w in zip(first17, weights)) % 11]


def slug(method, path):
    s = re.sub(r"[^A-Za-z0-9]+", "_", path).strip("_")
    return f"{method.lower()}_{s}"[:120]


def main():
    with open(os.path.join(ROOT, "docs/api/openapi.yaml"), encoding="utf-8") as f:
        spec = yaml.safe_load(f)

    json_dir = os.path.join(HERE, "corpus/json_bodies")
    http_dir = os.path.join(HERE, "corpus/http_request")
    for d in (json_dir, http_dir):
        shutil.rmtree(d, ignore_errors=True)
        os.makedirs(d)

    keys, params = set(), set()
    for path, item in spec["paths"].items():
        for method, op in item.items():
            if method not in ("get", "post", "put", "patch", "delete", "head"):
                continue
            role = next((r for p, r in ROLE_BY_PREFIX if path.startswith(p)), "admin")
            body = None
            content = (op.get("requestBody") or {}).get("content", {})
            if "application/json" in content:
                schema = content["application/json"].get("schema", {})
                body = example(spec, schema)
                for k in resolve(spec, schema).get("properties", {}):
                    keys.add(k)
            query = []
            for p in op.get("parameters", []) + item.get("parameters", []):
                p = resolve(spec, p)
                if p.get("in") == "query":
                    params.add(p["name"])
                    if p["name"] == "cursor":
                        continue  # only the server makes valid ones
                    value = example(spec, p.get("schema", {}), p["name"])
                    value = str(value).lower() if isinstance(value, bool) else str(value)
                    query.append(f"{p['name']}={urllib.parse.quote(value)}")
            concrete = re.sub(r"\{[^}/]*\}", "1", path)
            if method in ("post", "put", "patch"):
                text = f"{method.upper()} {path} {role}\n" + (json.dumps(body, ensure_ascii=False) if body is not None else "{}")
                with open(os.path.join(json_dir, slug(method, path)), "w", encoding="utf-8") as out:
                    out.write(text)
            target = concrete + ("?" + "&".join(query) if query and method == "get" else "")
            payload = json.dumps(body, ensure_ascii=False).encode() if body is not None else b""
            head = f"{method.upper()} {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Fuzz-Role: {role}\r\n"
            if payload or method in ("post", "put", "patch"):
                head += f"Content-Type: application/json\r\nContent-Length: {len(payload)}\r\n"
            with open(os.path.join(http_dir, slug(method, path)), "wb") as out:
                out.write(head.encode() + b"\r\n" + payload)

    # A few that exercise the edges of the request path itself.
    edge = {
        "edge_percent_and_plus": b"GET /api/v1/residents?q=%E7%8E%8B+%E5%BB%BA&limit=2 HTTP/1.1\r\nHost: x\r\n\r\n",
        "edge_bad_utf8": b"GET /api/v1/residents?q=%FF%FE HTTP/1.1\r\nHost: x\r\n\r\n",
        "edge_cookie": b"POST /api/v1/auth/logout HTTP/1.1\r\nHost: x\r\nCookie: a=1; linli_session=\"abc\"\r\n"
                       b"Content-Length: 0\r\n\r\n",
        "edge_bearer": b"GET /api/v1/auth/me HTTP/1.1\r\nHost: x\r\nAuthorization: bearer  xyz \r\n\r\n",
        "edge_chunked": b"POST /api/v1/orders HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                        b"Transfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n",
        "edge_unknown_query": b"GET /api/v1/orders?nope=1&limit=0 HTTP/1.1\r\nHost: x\r\n\r\n",
        "edge_405": b"DELETE /api/v1/orders HTTP/1.1\r\nHost: x\r\n\r\n",
        "edge_request_id": b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Request-Id: ../../etc\r\n\r\n",
    }
    for name, data in edge.items():
        with open(os.path.join(http_dir, name), "wb") as out:
            out.write(data)

    def dict_entry(word):
        # libFuzzer's dictionary syntax knows only \\, \" and \xAB escapes (no \r, \n or \u).
        out = '"'
        for b in word.encode("utf-8"):
            c = chr(b)
            if c in '\\"':
                out += "\\" + c
            elif 0x20 <= b < 0x7F:
                out += c
            else:
                out += f"\\x{b:02X}"
        return out + '"'

    def write_dict(name, words):
        with open(os.path.join(HERE, "dict", name), "w", encoding="utf-8") as out:
            out.write(f"# Generated by fuzz/make_seeds.py from docs/api/openapi.yaml\n")
            for w in sorted(words):
                out.write(dict_entry(w) + "\n")

    write_dict("json_bodies.dict", {f'"{k}":' for k in keys} | {"true", "false", "null", "{}", "[]", "1e309"})
    write_dict("http_request.dict", {f"{p}=" for p in params} | {f'"{k}":' for k in keys} |
               {"x-fuzz-role: ", "Authorization: Bearer ", "Cookie: linli_session=", "X-CSRF-Token: ",
                "Content-Type: application/json\r\n", "Transfer-Encoding: chunked\r\n", "%00", "%2F", "%FF",
                "/api/v1/", "HTTP/1.1\r\n", "\r\n\r\n"})
    print(f"json_bodies: {len(os.listdir(json_dir))} seeds, http_request: {len(os.listdir(http_dir))} seeds")


if __name__ == "__main__":
    sys.exit(main())
