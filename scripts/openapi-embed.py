#!/usr/bin/python3
"""Reads docs/api/openapi.yaml and writes a C++ file holding it as compact JSON."""
import json
import sys

import yaml

src, out = sys.argv[1], sys.argv[2]
with open(src, encoding="utf-8") as f:
    spec = yaml.safe_load(f)
text = json.dumps(spec, ensure_ascii=False, separators=(",", ":"))
# Split into chunks: compilers limit the length of one string literal.
chunks = [text[i:i + 8000] for i in range(0, len(text), 8000)]
with open(out, "w", encoding="utf-8") as f:
    f.write("// Generated from docs/api/openapi.yaml by scripts/openapi-embed.py. Do not edit.\n")
    f.write("#include <string_view>\nnamespace linli::app {\n")
    f.write("extern const std::string_view kOpenApiJson;\n")
    f.write("static const char kText[] =\n")
    for c in chunks:
        f.write('  R"LINLI(' + c + ')LINLI"\n')
    f.write(";\nconst std::string_view kOpenApiJson(kText, sizeof(kText) - 1);\n}\n")
