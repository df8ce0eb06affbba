"""What ships inside the package: the default templates, the sample catalogue, and the
starter folder ``pachca-runner init`` writes.

The templates here are the only copy in the project: a catalogue's own ``templates/``
holds overrides, and the renderer falls back to these for any name it lacks, so an
installed runner (no clone) validates, runs and demos with nothing beside it.
"""

from __future__ import annotations

from pathlib import Path

from runner import words
from runner.errors import InputError

HERE = Path(__file__).resolve().parent
TEMPLATES = HERE / "templates"
"""The default templates (one ``*.md.j2`` file per message the kinds post)."""
SAMPLE = HERE / "jobs.yaml"
"""The sample catalogue: one job of every kind, with ids of the demo's workspace."""
ENV_EXAMPLE = HERE / "env.example"
"""The settings an operator fills in, commented; ``init`` writes it as ``.env.example``."""
COMMENTED_IN = {"ru": (HERE / "jobs.ru.yaml", HERE / "env.ru.example")}
"""The same two files with their comments in another language, for ``init`` under it:
an operator reads and edits them. Only the comments differ (``tests/cli/test_init.py``
holds them to the same jobs and settings)."""


def starter_texts(language: str) -> tuple[Path, Path]:
    """The sample catalogue and ``.env.example`` commented in ``language`` (English
    when there is no such copy)."""
    return COMMENTED_IN.get(language, (SAMPLE, ENV_EXAMPLE))


def starter_files() -> dict[str, bytes]:
    """What ``init`` writes, by path relative to the folder: the sample catalogue, its
    schema for editors, ``.env.example`` (both commented in the operator's language) and
    a copy of every default template."""
    from runner.catalogue.schema import catalogue_schema, dumps

    sample, env_example = starter_texts(words.lang())
    files = {
        "jobs.yaml": sample.read_bytes(),
        "jobs.schema.json": dumps(catalogue_schema()).encode("utf-8"),
        ".env.example": env_example.read_bytes(),
    }
    for template in sorted(TEMPLATES.glob("*.j2")):
        files[f"templates/{template.name}"] = template.read_bytes()
    return files


def init_folder(folder: Path) -> list[Path]:
    """Write the starter files into ``folder`` (made if missing); the paths written.

    Refuses, writing nothing, if any of them exists: an operator's edited catalogue or
    template is never replaced.
    """
    # Named in full: "ошибка: .: jobs.yaml уже есть" reads as a stray full stop.
    shown = folder.resolve()
    if folder.exists() and not folder.is_dir():
        raise InputError(words.text("init.not_folder", folder=shown))
    files = starter_files()
    taken = [name for name in files if (folder / name).exists()]
    if taken:
        listed = ", ".join(taken[:3]) + (words.text("cli.more", n=len(taken) - 3)
                                        if len(taken) > 3 else "")
        raise InputError(words.text("init.exists", folder=shown, files=listed))
    written = []
    try:
        for name, content in files.items():
            path = folder / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content)
            written.append(path)
    except OSError as exc:
        raise InputError(words.text("init.cannot_write", folder=shown,
                                    detail=exc.strerror or exc)) from None
    return written
