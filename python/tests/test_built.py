"""The package without its compiled half (not built, or built from older sources) says how to build
it, instead of failing later with an AttributeError."""
import os
import shutil
import subprocess
import sys

SRC = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "sceval")


def _import_copy(tmp_path, extension_source=None):
    pkg = tmp_path / "sceval"
    pkg.mkdir()
    for f in os.listdir(SRC):
        if f.endswith((".py", ".pyi")):
            shutil.copy(os.path.join(SRC, f), pkg / f)
    if extension_source is not None:  # a stand-in for the extension module
        (pkg / "_sceval.py").write_text(extension_source)
    env = dict(os.environ, PYTHONPATH=str(tmp_path))
    return subprocess.run([sys.executable, "-c", "import sceval"], env=env, capture_output=True, text=True,
                          cwd=str(tmp_path))


def test_an_unbuilt_package_names_the_build_command(tmp_path):
    p = _import_copy(tmp_path)
    assert p.returncode != 0
    assert "ImportError: sceval: the extension module _sceval is not built" in p.stderr
    assert "./scripts/build.sh --target sceval_python" in p.stderr


def test_an_extension_older_than_the_python_files_names_the_build_command(tmp_path):
    p = _import_copy(tmp_path, "def version():\n    return '0'\n")
    assert p.returncode != 0
    assert "is older than the Python files (no task_names" in p.stderr
    assert "./scripts/build.sh --target sceval_python" in p.stderr
