"""railway.toml / railway.json ("Config as Code"), as Railway's schema defines it.

Every field is optional and nullable, as in Railway's own schema
(railway-facts §1.2). Unknown keys are errors at every level except inside
`build.nixpacksPlan` (§1.2, §1.7). Enum values are accepted in any case with
`-`/`_` interchangeable, as real files write them (§1.4, corpus survey).
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field, WithJsonSchema

from railsafe.models._common import Choice, Open, Strict, build_schema

TITLE = "Railway config as code (railway.toml / railway.json)"
DESCRIPTION = (
    "Build and deploy settings for one Railway service. Config as Code is deprecated in favour "
    "of `.railway/railway.ts`; existing files keep working until 2026-12-01 (railway-facts §1.1). "
    "Every field is optional and nullable; keys not listed here are not Railway settings."
)

Builder = Annotated[
    str,
    Choice(
        "NIXPACKS",
        "DOCKERFILE",
        "RAILPACK",
        "HEROKU",
        "PAKETO",
        description=(
            "Which builder builds the image. Railway's schema lists NIXPACKS, DOCKERFILE, "
            "RAILPACK, HEROKU, PAKETO; current docs document RAILPACK (the default for new "
            "services) and DOCKERFILE. A Dockerfile found in the source is always used "
            "(railway-facts §1.3)."
        ),
    ),
]
BuildEnvironment = Annotated[
    str, Choice("V2", "V3", description="Build environment version (undocumented).")
]
Runtime = Annotated[
    str, Choice("UNSPECIFIED", "LEGACY", "V2", description="Runtime version (undocumented).")
]
RestartPolicyType = Annotated[
    str,
    Choice(
        "ON_FAILURE",
        "ALWAYS",
        "NEVER",
        description=(
            "When Railway restarts the process: ON_FAILURE (default, up to 10 restarts), ALWAYS "
            "(not on Free/trial plans) or NEVER (railway-facts §7.4)."
        ),
    ),
]

Replicas = Annotated[
    int,
    Field(
        ge=1,
        le=200,
        description="Number of replicas of the service (1..200).",
    ),
]

StringList = list[str]

PreDeployCommand = Annotated[
    str | Annotated[list[str], Field(max_length=1)],
    WithJsonSchema(
        {
            "type": ["string", "array"],
            "items": {"type": "string"},
            "maxItems": 1,
            "description": (
                "Command run once per deploy, after the build and before the new deployment "
                "starts, in a separate container on the private network with the service's "
                "variables. A string or a one-element list; a failure stops the deploy "
                "(railway-facts §7.1)."
            ),
        }
    ),
]

Seconds = Annotated[
    float | str,
    WithJsonSchema(
        {
            "type": ["number", "string"],
            "minimum": 0,
            "pattern": r"^\s*[0-9]+(\.[0-9]+)?\s*$",
        }
    ),
]

CRON_PATTERN = r"^\s*[0-9A-Za-z*?,/#-]+(\s+[0-9A-Za-z*?,/#-]+){4}\s*$"

StackerAssignment = Annotated[
    int | str,
    WithJsonSchema(
        {
            "type": ["integer", "string"],
            "description": (
                "Stacker placement (undocumented; Railway's schema reuses the numReplicas "
                "definition here, railway-facts §1.3)."
            ),
        }
    ),
]


class NixpacksPlanPhase(Strict):
    """A phase of an inline Nixpacks plan, with the field names of Railway's schema.

    Railway's schema spells two fields differently from Nixpacks (`nixPkgsArchive`,
    `includedFiles`; Nixpacks reads `nixpkgsArchive`, `onlyIncludeFiles`), railway-facts §1.3/§3.3.
    """

    name: str | None = Field(None, description="Phase name.")
    dependsOn: StringList | None = Field(None, description="Phases that run before this one.")
    cmds: StringList | None = Field(
        None, description="Shell commands the phase runs at build time."
    )
    nixPkgs: StringList | None = Field(None, description="Nix packages to install.")
    nixLibs: StringList | None = Field(None, description="Nix libraries to install.")
    aptPkgs: StringList | None = Field(None, description="Apt packages to install.")
    nixOverlays: StringList | None = Field(None, description="Nix overlays.")
    nixPkgsArchive: str | None = Field(
        None,
        description=(
            "Nixpkgs archive (Railway's spelling; Nixpacks itself reads `nixpkgsArchive`, "
            "railway-facts §3.3)."
        ),
    )
    includedFiles: StringList | None = Field(
        None,
        description=(
            "Files copied in for this phase (Railway's spelling; Nixpacks itself reads "
            "`onlyIncludeFiles`, railway-facts §3.3)."
        ),
    )
    cacheDirectories: StringList | None = Field(
        None, description="Directories cached between builds."
    )
    paths: StringList | None = Field(None, description="Directories added to PATH.")


class NixpacksPlan(Open):
    """An inline Nixpacks plan (Railway's schema allows other keys at this level)."""

    providers: StringList | None = Field(
        None, description='Nixpacks providers; "..." keeps the detected ones.'
    )
    phases: dict[str, NixpacksPlanPhase | None] | None = Field(
        None, description="Build phases by name (setup, install, build, or any other name)."
    )


class Build(Strict):
    """Build settings (railway-facts §1.3, `build`)."""

    builder: Builder | None = None
    watchPatterns: StringList | None = Field(
        None,
        description=(
            "Gitignore-style patterns; a deploy is triggered only when a changed file matches. "
            "Evaluated from the repository root even with a Root Directory set."
        ),
    )
    buildCommand: str | None = Field(
        None,
        description=(
            "Command run at build time, after languages and packages are installed. Build "
            "commands see every service variable but not the private network (railway-facts §5)."
        ),
    )
    buildEnvironment: BuildEnvironment | None = None
    dockerfilePath: str | None = Field(
        None, description="Path of the Dockerfile to build (also RAILWAY_DOCKERFILE_PATH)."
    )
    nixpacksConfigPath: str | None = Field(
        None, description="Location of a non-standard Nixpacks config file."
    )
    nixpacksPlan: NixpacksPlan | None = Field(
        None, description="An inline Nixpacks build plan (Nixpacks builder only)."
    )
    nixpacksVersion: str | None = Field(
        None, description="Nixpacks version to build with (also NIXPACKS_VERSION)."
    )
    railpackVersion: str | None = Field(
        None, description='Railpack release to build with, e.g. "0.7.0" (also RAILPACK_VERSION).'
    )


class RegionConfig(Strict):
    """Replicas placed in one region."""

    numReplicas: Replicas | None = None
    stackerAssignment: str | None = Field(
        None, description='An IPv4 stacker address or "ALL_STACKERS".'
    )


class RegistryCredentials(Strict):
    """Credentials for a private image registry (Pro plan)."""

    username: str | None = Field(None, description="Registry user name.")
    password: str | None = Field(None, description="Registry password; use a variable reference.")


class ContainerLimits(Strict):
    """Resource limits for each container."""

    cpu: float | None = Field(None, description="vCPU limit.")
    memoryBytes: float | None = Field(None, description="Memory limit in bytes.")
    diskBytes: float | None = Field(None, description="Disk limit in bytes.")


class LimitOverride(Strict):
    """Resource limit overrides (undocumented)."""

    containers: ContainerLimits | None = Field(None, description="Per-container limits.")


class Deploy(Strict):
    """Deploy settings (railway-facts §1.3, `deploy`)."""

    startCommand: str | None = Field(
        None,
        description=(
            "Command that starts the service; it runs with every service variable on the "
            "private network."
        ),
    )
    preDeployCommand: PreDeployCommand | None = None
    numReplicas: Replicas | None = None
    stackerAssignment: StackerAssignment | None = None
    healthcheckPath: str | None = Field(
        None,
        description=(
            "HTTP path polled until it returns 200 before traffic switches (railway-facts §7.2)."
        ),
    )
    healthcheckTimeout: float | None = Field(
        None, description="Seconds to wait for the healthcheck to pass (default 300)."
    )
    sleepApplication: bool | None = Field(
        None, description="Let the service sleep when idle (serverless)."
    )
    runtime: Runtime | None = None
    registryCredentials: RegistryCredentials | None = Field(
        None, description="Credentials for pulling a private image (Pro plan only)."
    )
    restartPolicyType: RestartPolicyType | None = None
    restartPolicyMaxRetries: Annotated[float, Field(ge=1)] | None = Field(
        None, description="How many times ON_FAILURE restarts the process (at least 1)."
    )
    cronSchedule: Annotated[str, Field(pattern=CRON_PATTERN)] | None = Field(
        None,
        description=(
            "Five-field crontab (minute hour day-of-month month day-of-week), in UTC, at least "
            "5 minutes apart; the start command runs on this schedule and must exit "
            "(railway-facts §7.3)."
        ),
    )
    region: str | None = Field(None, description="Legacy single deployment region.")
    multiRegionConfig: dict[str, RegionConfig | None] | None = Field(
        None,
        description="Replicas per region, e.g. `us-west2`, `europe-west4-drams3a`.",
    )
    limitOverride: LimitOverride | None = Field(
        None, description="CPU, memory and disk limits per container (undocumented)."
    )
    requiredMountPath: str | None = Field(
        None, description="Mount path a volume must have for this deployment."
    )
    overlapSeconds: Seconds | None = Field(
        None,
        description=(
            "Seconds the old deployment keeps running after the new one is up (default 0). "
            'A number, or a numeric string as in the docs example ("60").'
        ),
    )
    drainingSeconds: Seconds | None = Field(
        None,
        description=(
            "Seconds between SIGTERM and SIGKILL at teardown (default 0). A number or a "
            "numeric string."
        ),
    )
    useLegacyStacker: bool | None = Field(
        None, description="Use the legacy stacker (undocumented)."
    )
    ipv6EgressEnabled: bool | None = Field(
        None,
        description=(
            "Enable IPv6 egress (in Railway's environment config and GraphQL API; not in the "
            "2025-10 schema copy)."
        ),
    )


class EnvironmentOverride(Strict):
    """Settings that apply only in one environment (railway-facts §2.1)."""

    build: Build | None = Field(None, description="Build settings for this environment.")
    deploy: Deploy | None = Field(None, description="Deploy settings for this environment.")


class RailwayConfig(Strict):
    """railway.toml / railway.json."""

    schema_: str | None = Field(
        None,
        alias="$schema",
        description=(
            "Editor hint only: https://railway.com/railway.schema.json "
            "(older files: https://railway.app/railway.schema.json)."
        ),
    )
    build: Build | None = Field(None, description="How the service is built.")
    deploy: Deploy | None = Field(None, description="How the service is started and kept running.")
    environments: dict[str, EnvironmentOverride | None] | None = Field(
        None,
        description=(
            "Overrides per environment name; `pr` applies to every PR (ephemeral) environment. "
            "Environment config beats base config, which beats dashboard settings "
            "(railway-facts §2.1-§2.2)."
        ),
    )


def json_schema() -> dict[str, Any]:
    return build_schema(RailwayConfig, "railway", TITLE, DESCRIPTION)
