"""The bundled schemas/ and templates/ are reachable from the package."""

from railsafe.resources import resource_dir


def test_schemas_and_templates_are_reachable() -> None:
    assert (resource_dir("schemas") / "railway.schema.json").is_file()
    assert (resource_dir("templates") / "conftest_guard.py").is_file()
