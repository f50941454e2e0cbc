"""Values for JSON Schemas (structured output, tool arguments), bounded, and the schema check."""

from .check import as_json_schema, schema_problem
from .values import Budget, instance_of

__all__ = ["Budget", "as_json_schema", "instance_of", "schema_problem"]
