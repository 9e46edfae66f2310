"""What a Dockerfile build runs, read the way BuildKit builds it (docs/facts.md).

Only the stages the final image needs run their `RUN`s (heredoc scripts
included); the start command is the final image's `ENTRYPOINT` / `CMD`,
inherited through `FROM <stage>`, unless Railway's `deploy.startCommand`
replaces it. Each command carries the directory it runs in (`WORKDIR`
mapped back through `COPY` / `ADD`), where the image's files come from, the
ARGs its stage declares and the image's PATH. The Dockerfile parser is
imported only when a tree has a Dockerfile (start-up time).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from railsafe.findings import Span
from railsafe.loaders import Document
from railsafe.project.configs import ServiceReader
from railsafe.project.spans import exec_text
from railsafe.project.types import Command, Phase

if TYPE_CHECKING:
    from railsafe.loaders.dockerfile import Heredoc, Instruction
    from railsafe.loaders.dockerfile_stages import Place


def _dockerfile_doc(r: ServiceReader, env: str | None) -> Document | None:
    found = r.setting(env, "build", "dockerfilePath")
    if found is not None and isinstance(found.value, str) and found.value.strip():
        return r.load_named(found.value.strip(), "dockerfile", "")
    if "Dockerfile" in r.s.files:
        return r.load_file(r.s.files["Dockerfile"])
    return None


def dockerfile_commands(r: ServiceReader, env: str | None) -> tuple[list[Command], list[Command]]:
    """(build, start) commands of a Dockerfile build."""
    # Railway's build command setting does not apply to Dockerfile builds; a
    # start command replaces the image's ENTRYPOINT / CMD (docs/facts.md).
    start = r.config_commands(env, "deploy", "startCommand", "start")
    doc = _dockerfile_doc(r, env)
    if doc is None:
        return [], start or []
    from railsafe.loaders import dockerfile as df
    from railsafe.loaders import dockerfile_stages as ds

    parsed = doc
    model = r.ctx.cached(
        f"project.dockerfile:{doc.path}:{r.s.root}",
        lambda: _DockerModel(parsed, r.s.root),
    )
    build: list[Command] = []
    for index, instr in enumerate(model.instructions):
        if instr.keyword != "RUN":
            continue
        if model.needed is not None and instr.stage not in model.needed:
            continue  # BuildKit does not build stages the image does not need
        place = model.places[index]
        scripts = df.heredoc_scripts(instr)
        if scripts is None:
            build.append(_instruction(doc, instr, "build", model, place))
        else:
            for heredoc in scripts:
                build.append(_instruction(doc, instr, "build", model, place, heredoc=heredoc))
    if start is None:
        entrypoint, cmd = ds.start_instructions(model.instructions)
        start = [
            _instruction(doc, instr, "start", model, model.final)
            for instr in (entrypoint, cmd)
            if instr is not None
        ]
    return build, start


def _instruction(
    doc: Document,
    instr: Instruction,
    phase: Phase,
    model: _DockerModel,
    place: Place | None,
    heredoc: Heredoc | None = None,
) -> Command:
    exec_form = instr.exec_form
    base = instr.command_offset
    position: Callable[[int], tuple[int, int]]
    if exec_form is not None and heredoc is None:
        text, position = exec_text(instr, exec_form)
    else:
        if heredoc is not None:
            text, base = heredoc.body, heredoc.body_offset
        else:
            text = instr.command

        def position(offset: int) -> tuple[int, int]:
            return instr.position(base + offset)

    line, col = position(0)
    where = f"line {instr.span.line}"
    if phase == "start" and instr.stage != model.final_stage:
        where += f", inherited from stage {model.stage_label(instr.stage)}"
    cwd = place.cwd() if place is not None else None
    return Command(
        text,
        phase,
        doc.relpath,
        Span(line, col, line, col + 1),
        f"{doc.path.name} {instr.keyword} ({where})",
        position=position,
        cwd=cwd or "",
        image_paths=tuple((image, path or ".") for image, path in place.paths)
        if place is not None
        else (),
        build_args=tuple(place.args) if phase == "build" and place is not None else None,
        image_path_env=place.path_dirs if place is not None else (),
    )


class _DockerModel:
    """One Dockerfile as built for one service: stages, layout, start instructions."""

    def __init__(self, doc: Document, service_root: Path) -> None:
        from railsafe.loaders import dockerfile as df
        from railsafe.loaders import dockerfile_stages as ds

        self.instructions = df.dockerfile_instructions(doc)
        self.stages = ds.stages(self.instructions)
        self.final_stage = self.stages[-1].index if self.stages else -1
        self.needed = ds.needed_stages(self.instructions)

        def is_dir(path: str) -> bool:
            if path.startswith("..") or path.startswith("/"):
                return False
            try:
                return (service_root / path).is_dir()
            except OSError:
                return False

        self.places, ends = ds.image_layout(self.instructions, is_dir)
        self.final = ends.get(self.final_stage)

    def stage_label(self, index: int) -> str:
        for stage in self.stages:
            if stage.index == index:
                return stage.name or str(index)
        return str(index)
