"""RS012: a volume declared in Config as Code, where Railway never attaches it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from railsafe.context import Context
from railsafe.findings import Severity
from railsafe.loaders import KeyPath
from railsafe.rules import Hit, hit, rule


def _paths(value: Any, depth: int = 0) -> list[str]:
    """Absolute container paths written in a volume declaration (`/data`, `/app/db`)."""
    if depth > 16:
        return []
    if isinstance(value, str):
        target = value.split(":")[-1] if ":" in value else value
        return [target] if target.startswith("/") else []
    if isinstance(value, dict):
        return [p for v in value.values() for p in _paths(v, depth + 1)]
    if isinstance(value, list):
        return [p for v in value for p in _paths(v, depth + 1)]
    return []


def _value_at(data: Any, keypath: KeyPath) -> Any:
    for part in keypath:
        try:
            data = data[part]
        except (KeyError, IndexError, TypeError):
            return None
    return data


@rule("RS012", "volume-in-config-as-code", Severity.ERROR)
def volume_in_config_as_code(ctx: Context) -> Iterator[Hit]:
    """A volume declared in railway.toml / railway.json: Railway never attaches it.

    ## What it finds
    A key of `railway.toml` / `railway.json` that declares persistent storage
    the way other platforms do: `[[mounts]]` (fly.toml), `volumes` (docker
    compose), `disk` (render.yaml), `volumeMounts` (Kubernetes, Railway's IaC
    SDK), at the top level, under `build` / `deploy`, or under
    `environments.<name>`. One finding per key, reported as data loss rather
    than as RS002's unknown key (RS002 leaves these keys to this rule).

    ## Why it matters on Railway
    Config as Code has no setting that creates or attaches a volume (its
    schema lists every `build` and `deploy` key; `requiredMountPath` only
    names the path a volume must already be mounted at): a volume is created
    and attached in the dashboard, with `railway volume add`, or with
    `volume()` in `.railway/railway.ts` (docs/facts.md F30). So the volume is
    never mounted, and a service that writes its SQLite database or uploads
    to that path writes them into the container's own filesystem, which a new
    deployment starts from the image again: the data is lost on every deploy.

    ## Fix
    Delete the key, and attach a volume to the service at that path: in the
    dashboard (right-click the service, "Attach volume"), with
    `railway volume add --mount-path /data`, or in `.railway/railway.ts` with
    `volumeMounts: { "/data": volume("data") }`. Then set `requiredMountPath`
    to the path so a deployment without the volume fails instead of
    starting empty.
    """
    from railsafe.rules.schema_rules import is_volume_key, schema_documents, schema_issues

    for doc, name in schema_documents(ctx):
        if name != "railway":
            continue
        for issue in schema_issues(ctx, doc, name):
            keypath = issue.keypath
            if issue.kind != "unknown-key" or not is_volume_key(keypath[-1]):
                continue
            paths = sorted(set(_paths(_value_at(doc.data, keypath))))
            where = f" to `{paths[0]}`" if len(paths) == 1 else (
                " to " + ", ".join(f"`{p}`" for p in paths) if paths else ""
            )
            yield hit(
                doc,
                keypath,
                f"`{keypath[-1]}` declares a volume, but Config as Code cannot create or "
                f"attach one: nothing is mounted, and what the service writes{where} is lost "
                "on every deploy (docs/facts.md F30)",
                part="key",
                fix="Attach a Railway volume to the service at that path (dashboard, "
                "`railway volume add --mount-path <path>`, or `volumeMounts` in "
                ".railway/railway.ts), delete this key, and set `deploy.requiredMountPath` "
                "to the path.",
            )
