"""A deferred module runs only when something reads from it, and then behaves as the real one."""

from __future__ import annotations

import sys

import pytest

from pipelines.defs.quality.deferred_modules import DeferredModule, defer, still_deferred


@pytest.fixture
def package(tmp_path, monkeypatch):
    """A package `deferpkg` whose modules record in `runs.txt` each time they run."""
    root = tmp_path / "deferpkg"
    root.mkdir()
    runs = tmp_path / "runs.txt"
    runs.write_text("")
    record = f"open({str(runs)!r}, 'a').write(__name__ + '\\n')\n"
    (root / "__init__.py").write_text(record)
    (root / "heavy.py").write_text(record + "ANSWER = 42\ndef double(x):\n    return 2 * x\n")
    (root / "sub").mkdir()
    (root / "sub" / "__init__.py").write_text(record)
    (root / "sub" / "leaf.py").write_text(record + "VALUE = 'leaf'\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    yield lambda: runs.read_text().split()
    for name in [n for n in sys.modules if n == "deferpkg" or n.startswith("deferpkg.")]:
        del sys.modules[name]


def test_importing_a_deferred_module_does_not_run_it(package):
    defer("deferpkg.heavy")
    import deferpkg.heavy  # noqa: F401
    from deferpkg import heavy

    assert isinstance(heavy, DeferredModule) and still_deferred("deferpkg.heavy")
    assert package() == ["deferpkg"]


def test_the_first_read_runs_it_once_and_every_read_answers_from_it(package):
    defer("deferpkg.heavy")
    from deferpkg import heavy

    assert heavy.ANSWER == 42
    assert heavy.double(21) == 42 and "double" in dir(heavy)
    assert package() == ["deferpkg", "deferpkg.heavy"]
    assert not still_deferred("deferpkg.heavy")
    import deferpkg.heavy as again

    assert not isinstance(again, DeferredModule) and again.ANSWER == 42
    assert package() == ["deferpkg", "deferpkg.heavy"]


def test_a_submodule_of_a_deferred_package_imports(package):
    defer("deferpkg.sub")
    from deferpkg.sub import leaf

    assert leaf.VALUE == "leaf"
    assert package() == ["deferpkg", "deferpkg.sub", "deferpkg.sub.leaf"]


def test_a_module_already_imported_is_left_alone(package):
    import deferpkg.heavy

    defer("deferpkg.heavy")
    assert sys.modules["deferpkg.heavy"] is deferpkg.heavy
    assert not still_deferred("deferpkg.heavy")


def test_a_missing_module_fails_when_used_with_the_import_error(package):
    defer("deferpkg.missing")
    from deferpkg import missing

    with pytest.raises(ModuleNotFoundError, match="deferpkg.missing"):
        missing.anything
