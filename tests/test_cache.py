"""The cache of parsed returns and of compute's JSON: identical results, damage ignored, --no-cache obeyed."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from chuangye_metrics.reading import cache as cache_module
from chuangye_metrics.reading.cache import Cache, copy_to, stored_blocks
from tests.conftest import sha256
from tests.test_compute import STREET

ROWS = [
    STREET,
    STREET | {"unit_code": "320115001001", "level": "社区", "unit_name": "竹山社区", "labour_force": 20000},
    STREET | {"unit_code": "P1", "level": "园区", "parent_code": "320115001000", "unit_name": "创业园"},
]


def entries(cache: Path, pattern: str) -> list[Path]:
    return sorted(cache.rglob(pattern))


def stored_text(path: Path) -> str:
    """A stored output's text, its lz4 blocks decompressed."""
    return b"".join(bytes(block) for block in stored_blocks(path)).decode("utf-8")


class _Unbuffered(io.StringIO):
    """A text stream with neither a file descriptor nor a binary buffer (as some wrappers of stdout are)."""

    def fileno(self) -> int:
        raise io.UnsupportedOperation("fileno")


def test_a_stored_output_replays_byte_for_byte_across_its_blocks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cache_module, "STORED_BLOCK", 1000)  # many blocks, ending inside characters
    text = "".join(f'{{"单位": "竹山社区{number}", "值": {number * 7}}}\n' for number in range(3000))
    pieces = [text[start : start + 777].encode() for start in range(0, len(text), 777)]
    cache = Cache(tmp_path, "ab" * 32)

    def write(sink: Any) -> None:
        for piece in pieces:
            sink.write(memoryview(piece))

    teed = io.BytesIO()
    assert cache.store_output("k", write, {"findings": [], "has_errors": False}, teed)
    assert teed.getvalue() == text.encode()
    hit = cache.load_output("k")
    assert hit is not None
    (stored,) = entries(tmp_path, "output-*.out")
    assert stored.stat().st_size < len(text.encode()) / 2  # compressed
    sizes = [len(block) for block in stored_blocks(stored)]
    assert len(sizes) > 50 and min(sizes[:-1]) >= 1000 and sum(sizes) == len(text.encode())
    unbuffered = _Unbuffered()
    copy_to(hit[0], unbuffered)
    assert unbuffered.getvalue() == text
    with (tmp_path / "out.json").open("w", encoding="utf-8") as handle:
        copy_to(hit[0], handle)
    assert (tmp_path / "out.json").read_bytes() == text.encode()


def test_a_replay_stopped_early_unmaps_the_entry_cleanly(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A reader that stops (a closed pipe) leaves no view of the mapping behind: closing it raises nothing."""
    monkeypatch.setattr(cache_module, "STORED_BLOCK", 100)
    cache = Cache(tmp_path, "cd" * 32)
    assert cache.store_output("k", lambda sink: sink.write(b"0123456789" * 300), {"findings": [], "has_errors": False})
    (stored,) = entries(tmp_path, "output-*.out")
    blocks = stored_blocks(stored)
    assert bytes(next(blocks)) == b"0123456789" * 10
    blocks.close()
    assert b"".join(bytes(block) for block in stored_blocks(stored)) == b"0123456789" * 300
    stored.write_bytes(stored.read_bytes()[:-5])  # cut inside the last block
    with pytest.raises(OSError, match="ends inside a block"):
        b"".join(bytes(block) for block in stored_blocks(stored))


def test_cached_and_uncached_runs_give_identical_json(
    cli: Any, make_return: Callable[..., Path], private_cache: Path
) -> None:
    path = make_return(ROWS)
    before = sha256(path)
    uncached = cli("compute", path, "--format", "json", "--no-cache")
    assert uncached.exit_code == 0
    assert entries(private_cache, "*") == []  # --no-cache writes nothing
    first = cli("compute", path, "--format", "json")
    second = cli("compute", path, "--format", "json")
    assert first.exit_code == second.exit_code == 0
    assert uncached.stdout == first.stdout == second.stdout
    assert json.loads(second.stdout)["units"][0]["unit_code"] == "320115000000"
    assert entries(private_cache, "table-*.parquet") and entries(private_cache, "output-*.out")
    assert sha256(path) == before


def test_warnings_are_reported_again_from_the_cache(
    cli: Any, make_return: Callable[..., Path], private_cache: Path
) -> None:
    path = make_return([STREET | {"trainees_started": 400}], name="warned.xlsx")
    first = cli("compute", path, "--format", "json", "--keep-going")
    second = cli("compute", path, "--format", "json", "--keep-going")
    assert first.exit_code == second.exit_code == 1
    assert "part-exceeds-whole" in first.stdout and first.stdout == second.stdout
    assert first.stderr == second.stderr and "错误" in second.stderr


@pytest.mark.parametrize("damage", ["truncate", "flip", "garbage-meta", "delete-parquet"])
def test_a_damaged_entry_is_ignored_and_rebuilt(
    cli: Any, make_return: Callable[..., Path], private_cache: Path, damage: str
) -> None:
    path = make_return(ROWS)
    good = cli("compute", path, "--format", "json").stdout
    (output,) = entries(private_cache, "output-*.out")
    (table,) = entries(private_cache, "table-*.parquet")
    if damage == "truncate":
        output.write_bytes(output.read_bytes()[:100])
    elif damage == "flip":
        data = bytearray(output.read_bytes())
        data[50] ^= 0x01
        output.write_bytes(bytes(data))
    elif damage == "garbage-meta":
        for meta in entries(private_cache, "*.json"):
            meta.write_text("{not json", encoding="utf-8")
    else:
        table.unlink()
        output.unlink()
    again = cli("compute", path, "--format", "json")
    assert again.exit_code == 0
    assert again.stdout == good
    third = cli("compute", path, "--format", "json")
    assert third.stdout == good
    assert output.exists() and json.loads(stored_text(output)) == json.loads(good)


def test_a_damaged_table_entry_is_read_afresh(cli: Any, make_return: Callable[..., Path], private_cache: Path) -> None:
    path = make_return(ROWS)
    good = cli("validate", path, "--format", "json").stdout
    (table,) = entries(private_cache, "table-*.parquet")
    table.write_bytes(b"PAR1 not really parquet")
    again = cli("validate", path, "--format", "json")
    assert again.exit_code == 0 and again.stdout == good


def test_a_changed_file_is_not_served_from_the_cache(cli: Any, make_return: Callable[..., Path]) -> None:
    path = make_return(ROWS, name="same.xlsx")
    first = json.loads(cli("compute", path, "--format", "json").stdout)
    make_return([STREET | {"labour_force": 10400}], name="same.xlsx")
    second = json.loads(cli("compute", path, "--format", "json").stdout)
    street = {unit["unit_code"]: unit for unit in second["units"]}["320115001000"]
    assert street["indicators"]["participation_rate"]["value"] == pytest.approx(420 / 10400 * 100)
    assert first["sources"][0]["sha256"] != second["sources"][0]["sha256"]


def test_options_are_part_of_the_key(cli: Any, make_return: Callable[..., Path]) -> None:
    path = make_return(ROWS)
    chinese = json.loads(cli("compute", path, "--format", "json").stdout)
    only_parks = json.loads(cli("compute", path, "--format", "json", "--level", "park").stdout)
    assert len(only_parks["units"]) == 1 < len(chinese["units"])


def test_an_unwritable_cache_only_costs_time(
    cli: Any, make_return: Callable[..., Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x", encoding="utf-8")
    monkeypatch.setenv("CHUANGYE_CACHE_DIR", str(blocker))
    path = make_return(ROWS)
    result = cli("compute", path, "--format", "json")
    assert result.exit_code == 0 and json.loads(result.stdout)["units"]
