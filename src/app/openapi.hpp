#pragma once
/// docs/api/openapi.yaml as JSON, compiled in by cmake/LinliOpenApi.cmake.

#include <string_view>

namespace linli::app {
extern const std::string_view kOpenApiJson;
}
