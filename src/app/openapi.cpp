// The OpenAPI text itself is generated into the build folder (openapi_embedded.cpp).
