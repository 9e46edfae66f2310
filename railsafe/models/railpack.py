"""railpack.json, as Railpack's Go structs read it (railway-facts §4.2).

Railpack reads the file as JSONC and then with `json.Unmarshal`, which
ignores unknown keys: a misspelt key is a setting that never applies (§4.1).
Arrays accept the `"..."` spread, which splices in the provider's values.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field, WithJsonSchema

from railsafe.models._common import Choice, Strict, build_schema

TITLE = "Railpack config (railpack.json)"
DESCRIPTION = (
    "Railpack configuration file (railway-facts §4.2); JSONC, so comments and trailing commas "
    "are allowed. Railpack ignores unknown keys, so keys not listed here have no effect. "
    'In arrays, "..." splices in the values the provider generated.'
)

StringList = list[str]

Provider = Annotated[
    str,
    Choice(
        "php",
        "golang",
        "java",
        "rust",
        "ruby",
        "elixir",
        "python",
        "deno",
        "dotnet",
        "node",
        "gleam",
        "cpp",
        "staticfile",
        "shell",
        description="Language provider to use instead of detection (case-insensitive).",
    ),
]

_FILTER = {
    "include": {
        "type": "array",
        "items": {"type": "string"},
        "description": "Files or directories to include.",
    },
    "exclude": {
        "type": "array",
        "items": {"type": "string"},
        "description": "Files or directories to exclude.",
    },
}

LAYER_SCHEMA: dict[str, Any] = {
    "type": ["object", "string"],
    "description": (
        "A build input: an object naming an image, a step or local files, or a string: "
        '"." (local files), "..." (the provider\'s inputs), "$<step>" (a step\'s output).'
    ),
    "properties": {
        "image": {"type": "string", "description": "Image to use as input."},
        "step": {"type": "string", "description": "Step whose output is the input."},
        "local": {"type": "boolean", "description": "Use local files as input."},
        "spread": {"type": "boolean", "description": "Splice in the provider's inputs."},
        **_FILTER,
    },
    "additionalProperties": False,
    "pattern": r"^(\.|\.\.\.|\$.+)$",
}

COMMAND_SCHEMA: dict[str, Any] = {
    "type": ["object", "string"],
    "description": (
        'A command. Strings: "npm install" (run with sh -c), "PATH:/dir", "COPY:src dest", '
        'or "..." for the provider\'s commands. Objects: exec {cmd, customName}, path {path}, '
        "copy {image, src, dest}, file {path, name, mode, customName}. Exec commands run at "
        "build time with every service variable mounted as a secret (railway-facts §5.1)."
    ),
    "properties": {
        "cmd": {"type": "string", "description": "Shell command to run (exec)."},
        "customName": {"type": "string", "description": "Name shown in the build log."},
        "path": {"type": "string", "description": "Directory added to PATH, or file path."},
        "image": {"type": "string", "description": "Image to copy from (copy)."},
        "src": {"type": "string", "description": "Copy source."},
        "dest": {"type": "string", "description": "Copy destination."},
        "name": {"type": "string", "description": "Asset name written by a file command."},
        "mode": {"type": "integer", "description": "File mode of a file command."},
    },
    "additionalProperties": False,
    "minProperties": 1,
}

Layer = Annotated[dict[str, Any] | str, WithJsonSchema(LAYER_SCHEMA)]
Command = Annotated[dict[str, Any] | str, WithJsonSchema(COMMAND_SCHEMA)]


class Filter(Strict):
    """Files of a step kept in the final image."""

    include: StringList | None = Field(None, description="Files or directories to include.")
    exclude: StringList | None = Field(None, description="Files or directories to exclude.")


class Cache(Strict):
    """A build cache mount."""

    directory: str | None = Field(None, description="Directory mounted as the cache.")
    type: (
        Annotated[
            str,
            Choice(
                "shared",
                "locked",
                forgiving=False,
                description="`shared` (default) or `locked` (one build at a time).",
            ),
        ]
        | None
    ) = None


class Step(Strict):
    """A build step; its exec commands run at build time with every variable (§5.1)."""

    inputs: list[Layer] | None = Field(None, description="Inputs of the step.")
    commands: list[Command] | None = Field(
        None, description='Commands run in order; "..." splices in the provider\'s commands.'
    )
    secrets: StringList | None = Field(
        None,
        description=(
            "Secret names whose values invalidate this step's cache. It does NOT limit which "
            "variables the commands see: every secret is mounted into every command (§5.1)."
        ),
    )
    assets: dict[str, str] | None = Field(
        None, description="Assets by name, written by file commands."
    )
    variables: dict[str, str] | None = Field(None, description="Variables set for this step.")
    caches: StringList | None = Field(None, description="Names of top-level caches to mount.")
    deployOutputs: list[Filter] | None = Field(
        None, description="Which of the step's files go into the final image."
    )


class Deploy(Strict):
    """The final image and how it starts."""

    startCommand: str | None = Field(
        None, description="Command the container starts with (runtime, every variable)."
    )
    base: Layer | None = Field(None, description="Base image layer of the final image.")
    inputs: list[Layer] | None = Field(
        None, description='Layers copied into the final image; "..." keeps the provider\'s.'
    )
    paths: StringList | None = Field(None, description="Directories added to PATH.")
    variables: dict[str, str] | None = Field(
        None, description="Variables baked into the final image; never put secrets here."
    )
    aptPackages: StringList | None = Field(
        None, description="Apt packages installed in the final image."
    )


class RailpackConfig(Strict):
    """railpack.json."""

    schema_: str | None = Field(
        None, alias="$schema", description="Editor hint: https://schema.railpack.com"
    )
    provider: Provider | None = None
    buildAptPackages: StringList | None = Field(
        None, description="Apt packages installed for the build."
    )
    packages: dict[str, str | None] | None = Field(
        None,
        description=(
            'Mise packages and versions, e.g. {"node": "22"}; Go reads a null version as "".'
        ),
    )
    caches: dict[str, Cache] | None = Field(None, description="Build caches by name.")
    secrets: StringList | None = Field(
        None, description="Secret names made available to the build."
    )
    steps: dict[str, Step] | None = Field(
        None, description="Build steps by name (install, build, ...), merged with the provider's."
    )
    deploy: Deploy | None = Field(None, description="The final image and its start command.")
    exclude: StringList | None = Field(
        None, description="Files left out of the build context; `!` negates."
    )


def json_schema() -> dict[str, Any]:
    return build_schema(RailpackConfig, "railpack", TITLE, DESCRIPTION)
