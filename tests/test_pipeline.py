"""The one pipeline: a request, its cache key, and the same result for a return however it is asked for."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from chuangye_metrics.pipeline import Request

# a value for each field, other than its default
OTHER: dict[str, Any] = {
    "files": (Path("b.xlsx"),),
    "sheet": "数据",
    "year": 2017,
    "levels": ("street",),
    "keep_going": True,
    "mapping": Path("m.yaml"),
    "rules": (Path("r.yaml"),),
    "formulas": (Path("f.yaml"),),
    "standard": "jiangsu-2016",
    "register_file": Path("register.txt"),
    "quota": ("street=1",),
    "near": 9,
}


def _settings_files(tmp_path: Path) -> None:
    for name in ("m.yaml", "r.yaml", "f.yaml", "register.txt"):
        (tmp_path / name).write_text("x: 1\n", encoding="utf-8")


def test_every_field_is_in_the_table_of_other_values() -> None:
    """Read from the model: a field added later must get a value here, and so a test of its key."""
    assert set(Request.model_fields) - {"use_cache"} == set(OTHER)


@pytest.mark.parametrize("field", sorted(OTHER))
def test_every_field_of_the_request_changes_the_cache_key(
    field: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    _settings_files(tmp_path)
    base = Request(files=(Path("a.xlsx"),))
    other = base.model_copy(update={field: OTHER[field]})
    assert getattr(other, field) != getattr(base, field)
    assert other.cache_key("compute-json", "zh") != base.cache_key("compute-json", "zh")


def test_the_key_follows_the_content_of_the_settings_files_and_the_language(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    _settings_files(tmp_path)
    request = Request(files=(Path("a.xlsx"),), mapping=Path("m.yaml"))
    before = request.cache_key("compute-json", "zh")
    assert request.cache_key("compute-json", "en") != before
    assert request.cache_key("check-json", "zh") != before
    assert request.model_copy(update={"use_cache": False}).cache_key("compute-json", "zh") == before
    (tmp_path / "m.yaml").write_text("x: 2\n", encoding="utf-8")
    assert request.cache_key("compute-json", "zh") != before


def test_the_files_a_request_reads_include_a_standard_file_but_not_a_shipped_id(tmp_path: Path) -> None:
    standard = tmp_path / "mine.yaml"
    standard.write_text("id: mine\n", encoding="utf-8")
    shipped = Request(files=(Path("a.xlsx"),), standard="jiangsu-2016")
    assert shipped.inputs == [Path("a.xlsx")]
    own = Request(files=(Path("a.xlsx"),), standard=str(standard), register_file=Path("r.txt"))
    assert own.inputs == [Path("a.xlsx"), Path("r.txt"), standard]
