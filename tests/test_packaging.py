"""A non-editable install, run from another folder, finds its formulas and computes the sample."""

from __future__ import annotations

import json
import site
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(out), str(ROOT)],
        check=True,
        capture_output=True,
    )
    (built,) = out.glob("*.whl")
    return built


def test_wheel_ships_the_formulas(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    for name in ("fields.yaml", "indicators.yaml", "levels.yaml", "messages.yaml", "rules.yaml"):
        assert f"chuangye_metrics/_data/formulas/{name}" in names
    for standard in ("jiangsu-2016", "jiangsu-2016-demo-base", "jiangsu-2017", "jiaxing-2013"):
        assert f"chuangye_metrics/_data/formulas/standards/{standard}.yaml" in names


def test_installed_wheel_runs_from_another_folder(wheel: Path, tmp_path: Path) -> None:
    environment = tmp_path / "venv"
    venv.EnvBuilder(with_pip=False).create(environment)
    python = environment / "bin" / "python"
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "--quiet", str(wheel)],
        check=True,
        capture_output=True,
    )
    # the dependencies come from the environment running the tests, added only after the wheel is in:
    # pip would otherwise find the package already installed there and install nothing
    (site_packages,) = environment.glob("lib/python*/site-packages")
    borrowed = [path for path in site.getsitepackages() if Path(path).is_dir()]
    (site_packages / "borrowed_dependencies.pth").write_text("\n".join(borrowed) + "\n")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    probe = subprocess.run(
        [str(python), "-c", "import chuangye_metrics.core.resources as r; print(r.formulas_dir())"],
        cwd=elsewhere,
        check=True,
        capture_output=True,
        text=True,
    )
    assert str(environment) in probe.stdout
    completed = subprocess.run(
        [
            str(environment / "bin" / "chuangye"),
            "compute",
            str(ROOT / "sample_data" / "jiangning_2016.xlsx"),
            "--format",
            "json",
        ],
        cwd=elsewhere,
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    units = json.loads(completed.stdout)["units"]
    assert any(unit["unit_name"] == "东山街道" for unit in units)
    checked = subprocess.run(
        [
            str(environment / "bin" / "chuangye"),
            "check",
            str(ROOT / "sample_data" / "jiangning_2016.xlsx"),
            "--standard",
            "jiaxing-2013",
            "--format",
            "json",
            "--fail-on",
            "never",
        ],
        cwd=elsewhere,
        capture_output=True,
        text=True,
        check=False,
    )
    assert checked.returncode == 0, checked.stderr
    assert json.loads(checked.stdout)["standard"]["id"] == "jiaxing-2013"
