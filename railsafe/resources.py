"""Where the bundled `schemas/` and `templates/` directories are.

Installed, they live inside the package (`railsafe/schemas`); in a source
checkout they are the repository's top-level folders.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

_PACKAGE = Path(__file__).resolve().parent


def resource_dir(name: str) -> Path:
    installed = _PACKAGE / name
    if installed.is_dir():
        return installed
    return _PACKAGE.parent / name


def grammar(package: str) -> Any:
    """`package.language()` of a tree-sitter grammar package (`tree_sitter_toml`), loaded
    from its `_binding` extension without running the package's `__init__`, which imports
    importlib.resources (about 5 ms of start-up) for highlight queries railsafe never
    reads. A package laid out otherwise is imported as usual."""
    import importlib
    import importlib.machinery
    import importlib.util
    import sys

    name = f"{package}._binding"
    module = sys.modules.get(name)
    if module is None:
        spec = importlib.util.find_spec(package)  # finds the package, does not run it
        places = list(spec.submodule_search_locations or ()) if spec is not None else []
        for place in places:
            for suffix in importlib.machinery.EXTENSION_SUFFIXES:
                path = Path(place) / f"_binding{suffix}"
                if path.is_file():
                    loader = importlib.machinery.ExtensionFileLoader(name, str(path))
                    found = importlib.util.spec_from_file_location(name, path, loader=loader)
                    if found is None:
                        continue
                    module = importlib.util.module_from_spec(found)
                    found.loader.exec_module(module)  # type: ignore[union-attr]
                    sys.modules[name] = module
                    break
            if module is not None:
                break
    if module is None or not hasattr(module, "language"):
        return importlib.import_module(package).language()
    return module.language()
