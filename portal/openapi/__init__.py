"""The API's OpenAPI 3.1 description: built from the marshmallow schemas the views validate and dump with, one
module of operations per area, served at /api/v1/openapi.json with a docs page at /api/v1/docs."""
