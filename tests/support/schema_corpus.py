"""Schemas as the client libraries produce them: pydantic v2 models, and the JSON Schema that
zod-to-json-schema (zod through the Vercel AI SDK) sends, written out exactly as it emits it."""

from __future__ import annotations

import datetime as dt
import uuid
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field


class Color(StrEnum):
    RED = "red"
    GREEN = "green"


class Address(BaseModel):
    street: str
    city: str
    zip_code: str = Field(pattern=r"^\d{5}(-\d{4})?$")


class Person(BaseModel):
    name: str = Field(min_length=2, max_length=20)
    age: int = Field(ge=0, le=130)
    address: Address
    previous: list[Address] = Field(default_factory=list, max_length=3)
    nickname: str | None = None
    color: Color
    role: Literal["admin", "user"]
    born: dt.datetime
    day: dt.date
    id: uuid.UUID
    score: float = Field(gt=0, lt=1)
    step: int = Field(multiple_of=5, ge=10, le=50)
    ratio: float = Field(multiple_of=0.1, ge=0, le=1)
    point: tuple[int, int, str]
    counts: dict[str, int]


class Node(BaseModel):
    value: int
    children: list[Node] = []


class Chain(BaseModel):
    value: str
    next: Chain | None = None


class Cat(BaseModel):
    pet_type: Literal["cat"]
    meows: int


class Dog(BaseModel):
    pet_type: Literal["dog"]
    barks: float


class Owner(BaseModel):
    pet: Cat | Dog = Field(discriminator="pet_type")
    pets: list[Annotated[Cat | Dog, Field(discriminator="pet_type")]]


class Weather(BaseModel):
    """A tool's arguments, as openai.pydantic_function_tool and the agent libraries send them."""

    city: str
    unit: Literal["c", "f"] = "c"
    days: int = Field(default=1, ge=1, le=14)


PYDANTIC_MODELS: list[type[BaseModel]] = [Person, Node, Chain, Owner, Weather, Address]

DRAFT7 = "http://json-schema.org/draft-07/schema#"

ZOD_SCHEMAS: dict[str, dict[str, Any]] = {
    # z.object({...}) with most kinds of field, zodToJsonSchema(schema) (target jsonSchema7).
    "profile": {
        "type": "object",
        "properties": {
            "name": {"type": "string", "minLength": 1},
            "age": {"type": "integer", "exclusiveMinimum": 0},
            "email": {"type": "string", "format": "email"},
            "site": {"type": "string", "format": "uri"},
            "id": {"type": "string", "format": "uuid"},
            "joined": {"type": "string", "format": "date-time"},
            "tags": {"type": "array", "items": {"type": "string"}, "maxItems": 3},
            "kind": {"type": "string", "enum": ["a", "b"]},
            "maybe": {"type": ["string", "null"]},
            "pair": {
                "type": "array",
                "minItems": 2,
                "maxItems": 2,
                "items": [{"type": "string"}, {"type": "number"}],
            },
            "either": {"anyOf": [{"type": "string"}, {"type": "number"}]},
            "lit": {"type": "string", "const": "x"},
            "scores": {"type": "object", "additionalProperties": {"type": "number"}},
            "code": {"type": "string", "pattern": "^[A-Z]{3}-[0-9]{3}$"},
            "note": {"type": "string", "default": "none"},
        },
        "required": [
            *("name", "age", "email", "site", "id", "joined", "tags", "kind", "maybe", "pair"),
            *("either", "lit", "scores", "code"),
        ],
        "additionalProperties": False,
        "$schema": DRAFT7,
    },
    # zodToJsonSchema(category, "Category") with z.lazy recursion: the root itself is a $ref.
    "category": {
        "$ref": "#/definitions/Category",
        "definitions": {
            "Category": {
                "type": "object",
                "properties": {
                    "name": {"type": "string"},
                    "subcategories": {"type": "array", "items": {"$ref": "#/definitions/Category"}},
                },
                "required": ["name", "subcategories"],
                "additionalProperties": False,
            }
        },
        "$schema": DRAFT7,
    },
    # z.discriminatedUnion("type", [...]) inside an object; z.object(...).nullable().
    "shapes": {
        "type": "object",
        "properties": {
            "shape": {
                "anyOf": [
                    {
                        "type": "object",
                        "properties": {
                            "type": {"type": "string", "const": "circle"},
                            "r": {"type": "number"},
                        },
                        "required": ["type", "r"],
                        "additionalProperties": False,
                    },
                    {
                        "type": "object",
                        "properties": {
                            "type": {"type": "string", "const": "square"},
                            "side": {"type": "number", "minimum": 1, "maximum": 2},
                        },
                        "required": ["type", "side"],
                        "additionalProperties": False,
                    },
                ]
            },
            "owner": {
                "anyOf": [
                    {
                        "type": "object",
                        "properties": {"name": {"type": "string"}},
                        "required": ["name"],
                        "additionalProperties": False,
                    },
                    {"type": "null"},
                ]
            },
            "when": {"type": "string", "format": "date"},
            "count": {"type": "integer", "minimum": -5, "maximum": -1},
        },
        "required": ["shape", "owner", "when", "count"],
        "additionalProperties": False,
        "$schema": DRAFT7,
    },
    # The AI SDK's tool parameters (zodSchema: references inlined, $refStrategy "none").
    "ai_sdk_tool": {
        "type": "object",
        "properties": {
            "location": {"type": "string", "description": "The city"},
            "units": {"type": "string", "enum": ["metric", "imperial"]},
            "hours": {
                "type": "array",
                "items": {"type": "integer", "minimum": 0, "maximum": 23},
                "minItems": 1,
            },
        },
        "required": ["location", "units", "hours"],
        "additionalProperties": False,
        "$schema": DRAFT7,
    },
}

# Gemini's OpenAPI-subset responseSchema: upper-case types, nullable, int64 counts as strings.
GEMINI_SCHEMA: dict[str, Any] = {
    "type": "OBJECT",
    "properties": {
        "title": {"type": "STRING", "nullable": True},
        "ratings": {
            "type": "ARRAY",
            "items": {"type": "INTEGER", "minimum": 1, "maximum": 5},
            "minItems": "2",
        },
        "genre": {"type": "STRING", "format": "enum", "enum": ["drama", "comedy"]},
        "released": {"type": "STRING", "format": "date-time"},
        "cast": {
            "type": "ARRAY",
            "items": {"type": "OBJECT", "properties": {"name": {"type": "STRING"}}, "required": ["name"]},
        },
    },
    "required": ["title", "ratings", "genre", "released", "cast"],
    "propertyOrdering": ["title", "ratings", "genre", "released", "cast"],
}


def corpus() -> dict[str, dict[str, Any]]:
    """Every schema by name: pydantic's model_json_schema() and the zod ones."""
    schemas = {model.__name__: model.model_json_schema() for model in PYDANTIC_MODELS}
    return {**schemas, **ZOD_SCHEMAS}
