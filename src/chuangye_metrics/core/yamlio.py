"""Read YAML configuration into pydantic models, naming the file and line of any mistake."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from chuangye_metrics.core.errors import ConfigError
from chuangye_metrics.core.guard import RefusedConfig, config_bytes

ModelT = TypeVar("ModelT", bound=BaseModel)
# libyaml's parser when PyYAML was built with it: the same documents, several times faster
_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class YamlDocument:
    """A parsed YAML file that remembers where each value stands."""

    def __init__(self, path: Path, text: str | None = None) -> None:
        self.path = path
        try:
            # read through the guard: a regular file (a named pipe would block) of at most MAX_CONFIG_BYTES
            source = config_bytes(path).decode("utf-8") if text is None else text
        except UnicodeDecodeError as error:
            raise RefusedConfig("yaml-not-utf8", path=path, detail=error.reason) from error
        try:
            loader = _Loader(source)
            try:
                self.node = loader.get_single_node()
                self.data: Any = loader.construct_document(self.node) if self.node is not None else None
            finally:
                loader.dispose()
        except yaml.MarkedYAMLError as error:
            mark = error.problem_mark or error.context_mark
            line = f":{mark.line + 1}" if mark is not None else ""
            raise RefusedConfig("yaml-syntax", path=f"{path}{line}", detail=str(error.problem or error)) from error
        except yaml.YAMLError as error:
            raise RefusedConfig("yaml-error", path=path, detail=str(error)) from error

    def line_of(self, location: Sequence[str | int]) -> int | None:
        """The 1-based line of the value at ``location`` (keys and list indexes), or its nearest parent."""
        node = self.node
        line = node.start_mark.line + 1 if node is not None else None
        for step in location:
            child = None
            if isinstance(node, yaml.MappingNode):
                child = next((value for key, value in node.value if key.value == str(step)), None)
            elif isinstance(node, yaml.SequenceNode) and isinstance(step, int) and step < len(node.value):
                child = node.value[step]
            if child is None:
                break
            node = child
            line = node.start_mark.line + 1
        return line

    def error(self, location: Sequence[str | int], message: str) -> ConfigError:
        line = self.line_of(location)
        where = f"{self.path}:{line}" if line else str(self.path)
        return ConfigError(f"{where}: {message}")

    def parse(self, model: type[ModelT], location: Sequence[str | int] = ()) -> ModelT:
        """Validate the document (or the part at ``location``) as ``model``."""
        data = self.data
        for step in location:
            data = data[step]
        try:
            return model.model_validate(data)
        except ValidationError as error:
            first = error.errors()[0]
            steps = _steps_in(data, list(first["loc"]))
            place = ".".join(str(part) for part in steps)
            text = _shortened(first["msg"])  # a message may quote the whole value: a 20 KB expression, say
            detail = f"{place}: {text}" if place else text
            more = f" (and {error.error_count() - 1} more)" if error.error_count() > 1 else ""
            raise self.error([*location, *steps], detail + more) from error


def _steps_in(data: Any, loc: list[str | int]) -> list[str | int]:
    """The steps of a validation error's location that exist in the data (dropping union tags), and the last."""
    steps: list[str | int] = []
    for position, step in enumerate(loc):
        inside = (isinstance(data, dict) and step in data) or (
            isinstance(data, list) and isinstance(step, int) and step < len(data)
        )
        if inside:
            data = data[step]
        elif position < len(loc) - 1:
            continue
        steps.append(step)
    return steps


MESSAGE_LENGTH = 300


def _shortened(text: str) -> str:
    """A validation message cut to about MESSAGE_LENGTH characters, its middle left out (where a long value it
    quotes stands), so that the one line it makes stays readable and still ends with the reason."""
    if len(text) <= MESSAGE_LENGTH:
        return text
    half = MESSAGE_LENGTH // 2
    return f"{text[:half]} … {text[-half:]}"
