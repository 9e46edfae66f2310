"""nixpacks.toml / nixpacks.json, as Nixpacks' serde structs read them (railway-facts §3.3).

Nixpacks ignores unknown keys silently, so a misspelt key is a setting that
never applies. Arrays accept the `"..."` / `"@auto"` spread, which splices in
the values of the lower-priority plan (§3.4).
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from railsafe.models._common import Strict, build_schema

TITLE = "Nixpacks build plan (nixpacks.toml / nixpacks.json)"
DESCRIPTION = (
    "Nixpacks configuration file (railway-facts §3.3). Nixpacks is in maintenance mode and "
    "Railway builds new services with Railpack (§3.1). Nixpacks ignores unknown keys, so keys "
    'not listed here have no effect. In arrays, "..." (or "@auto") stands for the values of '
    "the plan this file is merged into (§3.4)."
)

SPREAD = ' "..." or "@auto" splices in the detected values.'

StringList = list[str]


class Phase(Strict):
    """A build phase; every command in it runs at image build time with all variables (§5.1)."""

    name: str | None = Field(None, description="Phase name.")
    dependsOn: StringList | None = Field(None, description="Phases that run first." + SPREAD)
    nixPkgs: StringList | None = Field(None, description="Nix packages to install." + SPREAD)
    nixPackages: StringList | None = Field(None, description="Alias of `nixPkgs`.")
    nixLibs: StringList | None = Field(None, description="Nix libraries to install." + SPREAD)
    nixLibraries: StringList | None = Field(None, description="Alias of `nixLibs`.")
    nixOverlays: StringList | None = Field(None, description="Nix overlays to add.")
    nixpkgsArchive: str | None = Field(None, description="Nixpkgs archive (commit) to use.")
    aptPkgs: StringList | None = Field(None, description="Apt packages to install." + SPREAD)
    aptPackages: StringList | None = Field(None, description="Alias of `aptPkgs`.")
    cmds: StringList | None = Field(
        None, description="Shell commands run at build time, in order." + SPREAD
    )
    commands: StringList | None = Field(None, description="Alias of `cmds`.")
    onlyIncludeFiles: StringList | None = Field(
        None, description="Only these files are copied in before the phase runs."
    )
    cacheDirectories: StringList | None = Field(
        None, description="Directories cached between builds."
    )
    paths: StringList | None = Field(None, description="Directories added to PATH.")
    envPaths: StringList | None = Field(None, description="Alias of `paths`.")


class StartPhase(Strict):
    """How the container starts (runtime, with every variable on the private network)."""

    cmd: str | None = Field(None, description="The start command.")
    runImage: str | None = Field(None, description="Image the app is copied into to run.")
    onlyIncludeFiles: StringList | None = Field(
        None, description="Files copied into `runImage` (only used with `runImage`)."
    )
    user: str | None = Field(None, description="User the start command runs as.")


class NixpacksConfig(Strict):
    """nixpacks.toml / nixpacks.json."""

    providers: StringList | None = Field(
        None, description="Providers to use instead of the detected ones." + SPREAD
    )
    buildImage: str | None = Field(None, description="Base image for the build.")
    variables: dict[str, str] | None = Field(
        None,
        description=(
            "Variables set in the build and baked into the final image's environment; "
            "never put secrets here (railway-facts §3.3, §5.1)."
        ),
    )
    staticAssets: dict[str, str] | None = Field(
        None, description="File name -> contents, written to /assets."
    )
    phases: dict[str, Phase | None] | None = Field(
        None,
        description=(
            "Build phases by name (conventionally setup, install, build; any name is allowed)."
        ),
    )
    start: StartPhase | None = Field(None, description="How the container starts.")


def json_schema() -> dict[str, Any]:
    return build_schema(NixpacksConfig, "nixpacks", TITLE, DESCRIPTION)
