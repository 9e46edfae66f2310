"""Stack detection for `railsafe init`: from the files present, never by running anything.

Per deployable directory: the language and framework, the package manager,
the migration tool, whether the app talks to a database, the secrets its
example environment names, and whether it has a pytest suite. A monorepo
(no app at the root, apps in `apps/*`, `packages/*`, `services/*` or the
root's direct subdirectories) gives one service per deployable package.
"""

from __future__ import annotations

import json
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

MONOREPO_DIRS = ("apps", "packages", "services")
_SKIP = {"node_modules", ".git", ".venv", "venv", "dist", "build", "docs", "tests", "test",
         ".railway", "scripts", "examples", "vendor", "__pycache__"}
# Which variables of a template env file init keeps with preserve(): broader than the
# rules' is_secret_name on purpose (a public key or a credentials path left out of the
# file would be planned as deleted), so not railsafe.secrets' test.
_SECRET = re.compile(r"(SECRET|TOKEN|PASSWORD|PASSWD|API_?KEY|PRIVATE|CREDENTIALS|APP_KEY|_KEY$)",
                     re.I)
_DB_URLS = ("DATABASE_URL",)
# test dependency files, in the order init looks for them
TEST_FILES = ("requirements-dev.txt", "requirements-test.txt", "dev-requirements.txt",
              "test-requirements.txt", "requirements/dev.txt", "requirements/test.txt")


@dataclass
class Stack:
    directory: str  # relative to the root, "." for the root
    name: str  # the service name
    kind: str  # a section of templates/init/stacks.toml: python-django, node-next, ...
    package_manager: str | None = None  # pip, poetry, uv, pdm; npm, pnpm, yarn, bun
    migration: str | None = None  # a key of [migrations]
    database: bool = False
    dockerfile: bool = False
    pytest: bool = False
    secrets: list[str] = field(default_factory=list)
    values: dict[str, str] = field(default_factory=dict)  # {wsgi}, {asgi}, {main}
    notes: list[str] = field(default_factory=list)

    @property
    def language(self) -> str:
        return self.kind.split("-")[0]


def _read(path: Path, limit: int = 512_000) -> str:
    try:
        if path.is_file() and not path.is_symlink() and path.stat().st_size <= limit:
            return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        pass
    return ""


def _package_json(directory: Path) -> dict[str, Any]:
    try:
        data = json.loads(_read(directory / "package.json") or "{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _scripts(pkg: dict[str, Any]) -> dict[str, Any]:
    scripts = pkg.get("scripts")
    return scripts if isinstance(scripts, dict) else {}


def _node_deps(pkg: dict[str, Any]) -> set[str]:
    deps: set[str] = set()
    for section in ("dependencies", "devDependencies"):
        value = pkg.get(section)
        if isinstance(value, dict):
            deps.update(str(k) for k in value)
    return deps


def _python_deps(directory: Path) -> str:
    """The dependency declarations of a Python app, lower-cased, as one text."""
    parts = [_read(directory / name) for name in
             ("requirements.txt", "pyproject.toml", "Pipfile", "setup.py", "setup.cfg")]
    return "\n".join(parts).lower()


def is_app(directory: Path) -> bool:
    return any((directory / marker).is_file() for marker in (
        "package.json", "requirements.txt", "pyproject.toml", "Pipfile", "manage.py", "go.mod",
        "Gemfile", "composer.json", "mix.exs", "Dockerfile"))


def _node_pm(directory: Path, root: Path, pkg: dict[str, Any]) -> str:
    declared = str(pkg.get("packageManager") or "")
    for name in ("pnpm", "yarn", "bun", "npm"):
        if declared.startswith(name + "@"):
            return name
    for where in (directory, root):
        if (where / "pnpm-lock.yaml").is_file():
            return "pnpm"
        if (where / "yarn.lock").is_file():
            return "yarn"
        if (where / "bun.lockb").is_file() or (where / "bun.lock").is_file():
            return "bun"
    return "npm"


def _python_pm(directory: Path) -> str:
    if (directory / "uv.lock").is_file():
        return "uv"
    pyproject = _read(directory / "pyproject.toml")
    if (directory / "poetry.lock").is_file() or "[tool.poetry" in pyproject:
        return "poetry"
    if (directory / "pdm.lock").is_file():
        return "pdm"
    return "pip"


def _find_app_module(directory: Path, pattern: str) -> str | None:
    """`module:app` for the first of the usual files that creates the app."""
    for candidate in ("main.py", "app.py", "app/main.py", "src/main.py", "api/main.py",
                      "server.py", "wsgi.py", "application.py", "src/app.py"):
        text = _read(directory / candidate)
        match = re.search(rf"^(\w+)\s*=\s*{pattern}\(", text, re.M)
        if match:
            module = candidate.removesuffix(".py").replace("/", ".")
            return f"{module}:{match.group(1)}"
    return None


def _django_project(directory: Path) -> str | None:
    match = re.search(r"DJANGO_SETTINGS_MODULE['\"]\s*,\s*['\"]([\w.]+)\.settings",
                      _read(directory / "manage.py"))
    return match.group(1) if match else None


def _secrets(directory: Path) -> list[str]:
    names: list[str] = []
    for example in (".env.example", ".env.sample", ".env.template", "example.env"):
        for line in _read(directory / example).splitlines():
            match = re.match(r"\s*(?:export\s+)?([A-Z][A-Z0-9_]*)\s*=", line)
            if match and _SECRET.search(match.group(1)) and match.group(1) not in names:
                names.append(match.group(1))
    return names


def detect_one(directory: Path, root: Path, name: str) -> Stack:
    rel = "." if directory == root else directory.relative_to(root).as_posix()
    stack = Stack(rel, name, "generic", dockerfile=(directory / "Dockerfile").is_file())
    pkg = _package_json(directory)
    pydeps = _python_deps(directory)
    python = bool(pydeps.strip()) or (directory / "manage.py").is_file()
    if (directory / "manage.py").is_file() or re.search(r"\bdjango\b", pydeps):
        stack.kind = "python-django"
        project = _django_project(directory)
        stack.values["wsgi"] = f"{project}.wsgi" if project else "config.wsgi"
        stack.migration = "django"
        stack.secrets.append("SECRET_KEY")
        if "gunicorn" not in pydeps:
            stack.notes.append("add gunicorn to the dependencies (the start command runs it)")
    elif python and re.search(r"\bfastapi\b", pydeps):
        stack.kind = "python-fastapi"
        stack.values["asgi"] = _find_app_module(directory, "FastAPI") or "main:app"
        if "uvicorn" not in pydeps:
            stack.notes.append("add uvicorn to the dependencies (the start command runs it)")
    elif python and re.search(r"\bflask\b", pydeps):
        stack.kind = "python-flask"
        stack.values["wsgi"] = _find_app_module(directory, "Flask") or "app:app"
        if "gunicorn" not in pydeps:
            stack.notes.append("add gunicorn to the dependencies (the start command runs it)")
    elif python:
        stack.kind = "python"
        main = next((m for m in ("main.py", "app.py", "server.py") if (directory / m).is_file()),
                    None)
        if main:
            stack.values["main"] = main
        else:
            stack.kind = "generic"
    elif pkg:
        deps = _node_deps(pkg)
        scripts = _scripts(pkg)
        if "next" in deps:
            stack.kind = "node-next"
        elif "vite" in deps and "express" not in deps and "start" not in scripts:
            stack.kind = "node-vite"
        elif "express" in deps:
            stack.kind = "node-express"
        else:
            stack.kind = "node"
        if stack.kind != "node-vite" and "start" not in scripts:
            stack.kind = "generic"
            stack.notes.append("package.json has no start script: add one, then rerun init")
        if stack.kind in ("node-next", "node-vite") and "build" not in scripts:
            stack.notes.append("package.json has no build script")
        stack.package_manager = _node_pm(directory, root, pkg)
        if "prisma" in deps or "@prisma/client" in deps or (directory / "prisma").is_dir():
            stack.migration = "prisma"
        elif "knex" in deps and any((directory / d).is_dir() for d in ("migrations",
                                                                       "db/migrations")):
            stack.migration = "knex"
        stack.database = bool(deps & {"pg", "postgres", "@prisma/client", "prisma", "knex",
                                      "drizzle-orm", "typeorm", "sequelize", "mysql2"})
    elif (directory / "go.mod").is_file():
        stack.kind = "go"
        stack.database = bool(re.search(r"jackc/pgx|lib/pq|gorm", _read(directory / "go.mod")))
    elif (directory / "Gemfile").is_file():
        gemfile = _read(directory / "Gemfile")
        if re.search(r"""gem\s+['"]rails['"]""", gemfile) or (
                directory / "config" / "application.rb").is_file():
            stack.kind = "ruby-rails"
            stack.migration = "rails"
            stack.secrets.append("SECRET_KEY_BASE")
        stack.database = bool(re.search(r"""gem\s+['"](pg|mysql2)['"]""", gemfile))
    elif (directory / "composer.json").is_file() and (directory / "artisan").is_file():
        stack.kind = "php-laravel"
        stack.migration = "laravel"
        stack.secrets.append("APP_KEY")
        stack.database = True
    elif (directory / "mix.exs").is_file():
        mix = _read(directory / "mix.exs")
        if ":phoenix" in mix:
            stack.kind = "elixir-phoenix"
            stack.secrets.append("SECRET_KEY_BASE")
        if ":ecto" in mix or ":ecto_sql" in mix:
            stack.migration = "ecto"
            stack.database = ":postgrex" in mix or ":myxql" in mix
    if python:
        stack.package_manager = _python_pm(directory)
        if (directory / "alembic.ini").is_file() and stack.migration is None:
            stack.migration = "alembic"
        stack.database = stack.database or bool(re.search(
            r"psycopg|asyncpg|sqlalchemy|pg8000|dj-database-url|dj_database_url|mysqlclient|"
            r"pymysql|sqlmodel|databases\b", pydeps)) or stack.migration is not None
        stack.pytest = "pytest" in pydeps or any(
            "pytest" in _read(directory / name).lower() for name in TEST_FILES) or any(
            (directory / name).is_file() for name in ("pytest.ini", "conftest.py",
                                                      "tests/conftest.py"))
    if stack.dockerfile:
        stack.notes.insert(0, f"{stack.kind} app built from its Dockerfile")
        stack.kind = "docker" if stack.kind == "generic" else stack.kind
    if stack.migration is not None:
        stack.database = True
    for secret in _secrets(directory):
        if secret not in stack.secrets and secret not in _DB_URLS:
            stack.secrets.append(secret)
    return stack


def _name(directory: Path, root: Path) -> str:
    base = directory.name if directory != root else root.resolve().name
    return re.sub(r"[^A-Za-z0-9._-]+", "-", base).strip("-.")[:64] or "web"


def detect(root: Path) -> list[Stack]:
    """One Stack per deployable package: the root, or the apps of a monorepo."""
    candidates: list[Path] = []
    pkg = _package_json(root)
    workspaces = bool(pkg.get("workspaces")) or (root / "pnpm-workspace.yaml").is_file()
    root_is_app = is_app(root) and not workspaces and not (
        (root / "pyproject.toml").is_file() and "[tool.uv.workspace]" in _read(
            root / "pyproject.toml"))
    if root_is_app:
        return [detect_one(root, root, _name(root, root))]
    for group in MONOREPO_DIRS:
        base = root / group
        if base.is_dir():
            candidates += sorted(p for p in base.iterdir() if p.is_dir() and is_app(p))
    if not candidates:
        candidates = sorted(p for p in root.iterdir()
                            if p.is_dir() and p.name not in _SKIP and not p.name.startswith(".")
                            and is_app(p))
    if not candidates:
        return [detect_one(root, root, _name(root, root))]
    stacks = []
    seen: set[str] = set()
    for directory in candidates:
        if _is_library(directory):
            continue  # a shared package, not something that deploys
        stack = detect_one(directory, root, _name(directory, root))
        if stack.name in seen:
            stack.name = re.sub(r"[^A-Za-z0-9._-]+", "-", stack.directory)[:64]
        seen.add(stack.name)
        stacks.append(stack)
    return stacks or [detect_one(root, root, _name(root, root))]


def _is_library(directory: Path) -> bool:
    pkg = _package_json(directory)
    return bool(pkg) and not is_app_besides_package_json(directory) and \
        "start" not in _scripts(pkg) and ("main" in pkg or "exports" in pkg)


def is_app_besides_package_json(directory: Path) -> bool:
    return any((directory / marker).is_file() for marker in (
        "requirements.txt", "pyproject.toml", "manage.py", "go.mod", "Gemfile", "Dockerfile"))


def load_stacks_table() -> dict[str, Any]:
    from railsafe.resources import resource_dir

    return tomllib.loads((resource_dir("templates") / "init" / "stacks.toml").read_text("utf-8"))
