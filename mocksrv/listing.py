"""GET .../models and .../models/{model}: the catalog in the dialect's shape."""

from __future__ import annotations

from .catalog import Catalog
from .dialects.base import Dialect, Incoming
from .errors import MockError
from .limits import strict_names
from .model import JSON, ErrorKind


def models_answer(
    dialect: Dialect, operation: str, catalog: Catalog, incoming: Incoming, strict: bool
) -> JSON:
    if operation == "models":
        return dialect.render_models(catalog.of_family(dialect.family), incoming.query)
    name = dialect.model_id(incoming.match_info["model"])
    info = catalog.find(name, dialect.family)
    wording = dialect.limit_wording
    if not info.known and strict_names(incoming.headers, strict) and wording is not None:
        text = wording.unknown_model.format(model=info.id, version=incoming.path.split("/")[-3])
        raise MockError(ErrorKind.NOT_FOUND, text, param="model")
    return dialect.render_model(info)
