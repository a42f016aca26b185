"""An installed ``postmortem`` works without the source tree (what ``pipx install .`` gives).

The wheel is built from a copy of the package's files and installed, without dependencies, into
a fresh virtual environment that does not see the system's or this environment's packages. The
dependencies (pandas, WeasyPrint, ...) are borrowed from the running environment through a
``.pth`` path line, which adds their folder to ``sys.path`` but does not process the ``.pth``
files in it, so an editable install of this checkout stays invisible. The installed console
script then renders a report from an empty folder, and a probe checks that no imported module
comes from the checkout and that every third-party module the package's code imports belongs
to a distribution the wheel declares, so a missing dependency fails here too.

Installing every dependency from the index, as pipx does, takes about a minute (47 s for
``pipx install .`` on the project machine); set ``POSTMORTEM_FULL_INSTALL=1`` to run that
variant as well.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest

from tests.conftest import EXAMPLES, REPO

pytestmark = pytest.mark.slow

PACKAGE_FILES = ("pyproject.toml", "README.md", "postmortem", "report_templates")
IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info", "build", "dist")

PROBE = r"""
import importlib.metadata as md
import re
import sys
from pathlib import Path

repo = Path(sys.argv[1]).resolve()
example = sys.argv[2]

import postmortem
from postmortem import api
from postmortem.report.render import default_template_dir

thread = api.load_thread(example, company=["BodyBugg"])
analysis = api.analyse(thread, company=["BodyBugg"])
api.render_outputs(analysis, api.Outputs(html=Path("x.html"), md=Path("x.md"), json=Path("x.json")))

def inside(path, root):
    # Under the checkout, but not in a virtual environment that lives there (CI's .venv).
    try:
        resolved = Path(path).resolve()
        resolved.relative_to(root)
    except (ValueError, OSError):
        return False
    return "site-packages" not in resolved.parts

print("package", Path(postmortem.__file__).resolve())
print("templates", Path(default_template_dir()).resolve())
leaks = sorted(n for n, m in list(sys.modules.items()) if inside(getattr(m, "__file__", None) or "/nonexistent", repo))
print("from-checkout", ",".join(leaks) or "-")
print("checkout-on-path", any(inside(p, repo) for p in sys.path if p))

def name(requirement):
    return re.split(r"[\s;<>=!~\[(]", requirement, maxsplit=1)[0].lower().replace("_", "-")

import ast

declared = {name(r) for r in md.requires("postmortem") or [] if "extra ==" not in r}
owners = md.packages_distributions()
package_dir = Path(postmortem.__file__).parent
imported = set()
for source in package_dir.rglob("*.py"):
    for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            imported |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            imported.add(node.module.split(".")[0])
imported -= set(sys.stdlib_module_names) | {"postmortem", "__future__"}
undeclared = sorted(
    f"{top} ({'/'.join(owners.get(top, ['not installed']))})" for top in imported
    if not {d.lower().replace("_", "-") for d in owners.get(top, [])} & declared
)
print("undeclared", ",".join(undeclared) or "-")
"""


def _clean_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV", "PIP_REQUIRE"))}
    env["PATH"] = "/usr/local/bin:/usr/bin:/bin"
    return env


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A wheel built from a copy of the package's files (the checkout is never written to)."""
    work = tmp_path_factory.mktemp("build")
    source = work / "src"
    source.mkdir()
    for name in PACKAGE_FILES:
        src = REPO / name
        if src.is_dir():
            shutil.copytree(src, source / name, ignore=IGNORE)
        else:
            shutil.copy2(src, source / name)
    out = work / "dist"
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(source)],
        capture_output=True, text=True, timeout=600, check=False,
    )
    if build.returncode != 0 and ("No matching distribution" in build.stderr or "No module named" in build.stderr):
        pytest.skip(f"cannot build a wheel here (no build backend available): {build.stderr.strip()[-300:]}")
    assert build.returncode == 0, build.stderr
    return next(out.glob("postmortem-*.whl"))


def _fresh_venv(where: Path) -> Path:
    """A new virtual environment without pip and without system site-packages; its python."""
    venv.EnvBuilder(with_pip=False, system_site_packages=False, symlinks=True, clear=True).create(where)
    return where / "bin" / "python"


def _site_packages(python: Path) -> Path:
    out = subprocess.run(
        [str(python), "-I", "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True, text=True, check=True, timeout=60,
    )
    return Path(out.stdout.strip())


def _pip_install(python: Path, *args: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "-q", *args],
        capture_output=True, text=True, timeout=900, check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]


def _check_installed(env_dir: Path, run_dir: Path) -> None:
    python = env_dir / "bin" / "python"
    command = env_dir / "bin" / "postmortem"
    assert command.is_file(), "the wheel must install a 'postmortem' console script"
    env = _clean_env()

    version = subprocess.run([str(command), "--version"], cwd=run_dir, env=env, capture_output=True, text=True,
                             timeout=120, check=False)
    assert version.returncode == 0, version.stderr
    assert version.stdout.startswith("postmortem ")

    example = run_dir / "thread.json"
    shutil.copy2(EXAMPLES / "bodybugg" / "bodybugg_facebook_graph.json", example)
    report = subprocess.run(
        [str(command), "report", "thread.json", "-o", "out.pdf", "--company", "BodyBugg", "--json", "metrics.json",
         "--md", "summary.md", "--force"],
        cwd=run_dir, env=env, capture_output=True, text=True, timeout=600, check=False,
    )
    assert report.returncode == 0, report.stderr
    assert (run_dir / "out.pdf").read_bytes().startswith(b"%PDF")
    assert (run_dir / "metrics.json").is_file() and (run_dir / "summary.md").is_file()

    probe = subprocess.run(
        [str(python), "-I", "-c", PROBE, str(REPO), str(example)],
        cwd=run_dir, env=env, capture_output=True, text=True, timeout=600, check=False,
    )
    assert probe.returncode == 0, probe.stderr
    facts = dict(line.split(" ", 1) for line in probe.stdout.splitlines())
    site = _site_packages(python).resolve()
    assert Path(facts["package"]).is_relative_to(site), facts["package"]
    assert Path(facts["templates"]).is_relative_to(site), facts["templates"]
    assert facts["from-checkout"] == "-", f"modules imported from the checkout: {facts['from-checkout']}"
    assert facts["checkout-on-path"] == "False"
    assert facts["undeclared"] == "-", f"imported but not declared in pyproject dependencies: {facts['undeclared']}"


def test_wheel_installs_a_working_command(wheel: Path, tmp_path: Path) -> None:
    env_dir = tmp_path / "env"
    python = _fresh_venv(env_dir)
    _pip_install(python, "--no-deps", str(wheel))
    # Borrow the dependencies of the running environment (a path line: its .pth files stay unprocessed).
    deps = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    (_site_packages(python) / "_postmortem_test_deps.pth").write_text("\n".join(sorted(deps)) + "\n")
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    _check_installed(env_dir, run_dir)


@pytest.mark.skipif(
    os.environ.get("POSTMORTEM_FULL_INSTALL") != "1", reason="set POSTMORTEM_FULL_INSTALL=1 (about a minute)"
)
def test_wheel_with_dependencies_from_the_index(wheel: Path, tmp_path: Path) -> None:
    env_dir = tmp_path / "env"
    python = _fresh_venv(env_dir)
    _pip_install(python, str(wheel))
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    _check_installed(env_dir, run_dir)
