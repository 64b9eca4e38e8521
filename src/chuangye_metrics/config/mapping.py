"""A user's header mapping (--mapping FILE.yaml): header texts of their returns to field ids."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict

from chuangye_metrics.config.catalog import Catalog
from chuangye_metrics.core.yamlio import YamlDocument


class MappingFile(BaseModel):
    """``columns: {表头文字: field_id}``: headers are compared after the usual normalisation."""

    model_config = ConfigDict(extra="forbid")

    columns: dict[str, str]


def load_mapping(path: Path, catalog: Catalog) -> dict[str, str]:
    document = YamlDocument(path)
    mapping = document.parse(MappingFile).columns
    for header, field in mapping.items():
        if field not in catalog.fields:
            known = ", ".join(catalog.fields)
            raise document.error(["columns", header], f"{header!r} maps to unknown field {field!r}; fields: {known}")
    return mapping
