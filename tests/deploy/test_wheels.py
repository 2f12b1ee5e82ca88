"""The packages as they ship: every member's wheel, built from the workspace and installed into a fresh virtual
environment (with the versions the lock file pins), holds every file of its source folder and imports every one of
its modules from there. A subpackage or a static file left out of a wheel fails here rather than in an image."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from .conftest import PROJECT_DIR

UV = str(Path(sys.executable).parent / "uv")
# Workspace folder -> import package.
MEMBERS = {
    "shared": "illustra_shared",
    "services/gateway": "illustra_gateway",
    "services/status": "illustra_status",
    "services/extractor": "illustra_extractor",
    "cli": "illustra",
}

# Run in the fresh environment: each package's files and the modules that failed to import, as JSON.
_INSPECT = """
import importlib, json, pkgutil, sys, traceback
from pathlib import Path
report = {}
for name in sys.argv[1:]:
    package = importlib.import_module(name)
    root = Path(package.__file__).parent
    failures, outside = {}, []
    for module in pkgutil.walk_packages(package.__path__, name + "."):
        if module.name.rsplit(".", 1)[-1] == "__main__":
            continue  # running it is the command itself
        try:
            imported = importlib.import_module(module.name)
        except Exception:
            failures[module.name] = traceback.format_exc(limit=3)
            continue
        if not Path(imported.__file__).is_relative_to(sys.prefix):
            outside.append(module.name)
    files = sorted(
        str(path.relative_to(root)) for path in root.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    )
    report[name] = {"files": files, "failures": failures, "outside": outside}
print(json.dumps(report))
"""


def _run(args: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(args, capture_output=True, text=True, timeout=600, check=False, **kwargs)
    assert result.returncode == 0, f"{' '.join(args)}\n{result.stdout}\n{result.stderr}"
    return result


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    """Build the wheels, install them into a new venv and inspect every package there."""
    tmp = tmp_path_factory.mktemp("wheels")
    dist = tmp / "dist"
    _run([UV, "build", "--all-packages", "--wheel", "--out-dir", str(dist)], cwd=PROJECT_DIR)
    wheels = sorted(dist.glob("*.whl"))
    assert len(wheels) == len(MEMBERS), [wheel.name for wheel in wheels]
    pins = tmp / "pins.txt"
    export = ["export", "--frozen", "--no-dev", "--no-hashes", "--all-packages", "--all-extras"]
    _run(
        [UV, *export, "--no-emit-workspace", "--output-file", str(pins)],
        cwd=PROJECT_DIR,
    )
    venv = tmp / "venv"
    _run([UV, "venv", "--quiet", "--python", sys.executable, str(venv)])
    python = venv / "bin" / "python"
    # The command line with every service (its `all` extra); the other wheels are its dependencies' files.
    requirements = [
        f"{wheel.name.split('-')[0].replace('_', '-')}"
        + ("[all]" if wheel.name.startswith("illustra-") else "")
        + f" @ {wheel.as_uri()}"
        for wheel in wheels
    ]
    _run([UV, "pip", "install", "--quiet", "--python", str(python), "--constraint", str(pins), *requirements])
    environment = {
        key: value for key, value in os.environ.items() if not key.startswith(("PYTHON", "VIRTUAL_ENV"))
    }
    result = _run([str(python), "-c", _INSPECT, *MEMBERS.values()], cwd=tmp, env=environment)
    return json.loads(result.stdout)


@pytest.mark.parametrize("folder", MEMBERS)
def test_wheel_holds_every_file_of_the_package(folder: str, installed: dict[str, dict[str, Any]]) -> None:
    package = MEMBERS[folder]
    source = PROJECT_DIR / folder / "src" / package
    tracked = _run(["git", "ls-files", "--cached", "--others", "--exclude-standard", "."], cwd=source).stdout
    assert set(tracked.split()) <= set(installed[package]["files"])


@pytest.mark.parametrize("folder", MEMBERS)
def test_every_module_imports_from_the_wheel(folder: str, installed: dict[str, dict[str, Any]]) -> None:
    report = installed[MEMBERS[folder]]
    assert report["failures"] == {}, "\n".join(report["failures"].values())
    assert report["outside"] == [], "imported from outside the fresh environment"
