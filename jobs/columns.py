"""`python -m jobs columns`: the column names each table of the data root accepts, as
Markdown, written from the readers' own schema (chalicelib/intake/schema.py). The README's
"Accepted column names" section is this output; a test keeps the two the same."""

from __future__ import annotations

from chalicelib.intake.catalogue import KINDS


def columns_markdown() -> str:
    lines: list[str] = []
    for kind in KINDS:
        where = f"{kind.folder}/{kind.stem}.*" if kind.stem else f"{kind.folder}/*"
        if kind.all_sheets:
            where += " (every sheet)"
        lines += ["", f"**`{where}`** — {kind.schema.title}", ""]
        lines += ["| field | required | accepted column names (case and spaces ignored) |"]
        lines += ["|---|---|---|"]
        for field in kind.schema.fields:
            names = " ".join(f"`{name}`" for name in field.accepted)
            lines.append(f"| {field.label} | {'yes' if field.required else ''} | {names} |")
    return "\n".join(lines[1:]) + "\n"


def run_columns() -> int:
    print(columns_markdown(), end="")
    return 0
