"""Refresh the .ts translation sources and build the .qm catalogues (``make translations``).

Usage::

    python -m zhangye_desk.ui.i18n_build            # lupdate (keeps translations), then lrelease
    python -m zhangye_desk.ui.i18n_build --release  # lrelease only (the .ts are left as they are)
    python -m zhangye_desk.ui.i18n_build --check    # fail if any tr() string lacks a translation

Each page module ``zhangye_desk/ui/pages/<name>.py`` has its own catalogue
``resources/translations/pages/<name>_<lang>.ts``; everything else in ``zhangye_desk/ui`` and
``zhangye_desk/app.py`` goes into ``resources/translations/zhangye_desk_<lang>.ts``.
``lupdate`` merges each file's strings into its catalogue: existing translations are kept,
new strings arrive as "unfinished", strings no longer in the code are dropped (``-no-obsolete``).
``lrelease`` compiles each .ts to a .qm beside it (the .qm files are not committed).
``--check`` runs lupdate on a temporary copy, so it also catches a tr() string that was added
to the code but never put into the committed .ts. The tools come from the PySide6 package
folder, so nothing is assumed on PATH. This module is a developer tool: the app never runs it.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import PySide6

from ..paths import resource
from .i18n import CATALOGUE, TRANSLATED_LANGUAGES

PACKAGE_DIR = Path(__file__).resolve().parent.parent  # zhangye_desk/


@dataclass(frozen=True)
class Untranslated:
    """A message of a .ts file that has no usable translation."""

    context: str
    source: str
    reason: str  # "unfinished" or "empty"

    def __str__(self) -> str:
        return f"[{self.context}] {self.source!r} ({self.reason})"


def translations_dir() -> Path:
    return resource("translations")


def ts_path(lang: str, folder: Path | None = None, name: str = CATALOGUE) -> Path:
    """A catalogue's .ts: the frame's by default, ``pages/<name>`` for a page module."""
    return (folder or translations_dir()) / f"{name}_{lang}.ts"


def tool(name: str) -> Path:
    """A Qt Linguist tool from the PySide6 wheel (lupdate, lrelease)."""
    folder = Path(PySide6.__file__).resolve().parent
    for candidate in (folder / name, folder / f"{name}.exe"):
        if candidate.is_file():
            return candidate
    raise FileNotFoundError(f"{name} not found in {folder}; is PySide6 installed completely?")


def catalogues() -> dict[str, list[Path]]:
    """Catalogue name → the source files whose tr() strings it holds, in a stable order."""
    pages_dir = PACKAGE_DIR / "ui" / "pages"
    pages = sorted(p for p in pages_dir.glob("*.py") if p.name != "__init__.py")
    frame = [p for p in sorted((PACKAGE_DIR / "ui").rglob("*.py")) if p.parent != pages_dir]
    frame.append(PACKAGE_DIR / "app.py")
    result = {CATALOGUE: frame}
    result.update({f"pages/{p.stem}": [p] for p in pages})
    return result


def source_files() -> list[Path]:
    """Every file whose tr() strings belong in our catalogues, in a stable order."""
    return [f for files in catalogues().values() for f in files]


def _run(args: Sequence[str | Path], *, quiet: bool) -> None:
    result = subprocess.run(
        [str(a) for a in args], capture_output=True, text=True, encoding="utf-8", check=False
    )
    if result.returncode != 0:
        sys.stderr.write(result.stdout + result.stderr)
        raise RuntimeError(f"{Path(args[0]).name} failed with exit code {result.returncode}")
    if not quiet:
        sys.stdout.write(result.stdout)
        sys.stderr.write(result.stderr)


def update(
    ts_file: Path, lang: str, *, quiet: bool = False, sources: Sequence[Path] | None = None
) -> None:
    """Merge the strings in the code into ``ts_file``, keeping every existing translation."""
    ts_file.parent.mkdir(parents=True, exist_ok=True)
    _run(
        [
            tool("lupdate"),
            "-no-obsolete",
            "-locations",
            "relative",
            "-target-language",
            lang,
            *(sources if sources is not None else catalogues()[CATALOGUE]),
            "-ts",
            ts_file,
        ],
        quiet=quiet,
    )


def release(ts_file: Path, *, quiet: bool = False) -> Path:
    """Compile ``ts_file`` to the .qm beside it; return the .qm path."""
    qm_file = ts_file.with_suffix(".qm")
    _run([tool("lrelease"), ts_file, "-qm", qm_file], quiet=quiet)
    return qm_file


def untranslated(ts_file: Path) -> list[Untranslated]:
    """Messages in ``ts_file`` that are unfinished or have an empty translation."""
    problems: list[Untranslated] = []
    root = ET.parse(ts_file).getroot()
    for context in root.iter("context"):
        name = context.findtext("name") or ""
        for message in context.iter("message"):
            source = message.findtext("source") or ""
            translation = message.find("translation")
            if translation is None:
                problems.append(Untranslated(name, source, "empty"))
                continue
            kind = translation.get("type")
            if kind in ("obsolete", "vanished"):
                continue
            forms = translation.findall("numerusform")
            texts = [f.text or "" for f in forms] if forms else [translation.text or ""]
            if kind == "unfinished":
                problems.append(Untranslated(name, source, "unfinished"))
            elif not all(t.strip() for t in texts):
                problems.append(Untranslated(name, source, "empty"))
    return problems


def fill(ts_file: Path, translations: dict[str, str]) -> int:
    """Put translations (source text → translated text) into unfinished messages of ts_file.

    Lets a developer translate a page's strings from a small JSON file instead of editing XML;
    plural messages (``%n``) take a list of forms. Returns how many messages were filled.
    """
    tree = ET.parse(ts_file)
    filled = 0
    for message in tree.getroot().iter("message"):
        source = message.findtext("source") or ""
        translation = message.find("translation")
        if translation is None or source not in translations:
            continue
        if translation.get("type") not in ("unfinished", None) or (
            translation.get("type") is None and (translation.text or translation.findall("*"))
        ):
            continue
        value: str | list[str] = translations[source]
        forms = translation.findall("numerusform")
        if forms or message.get("numerus") == "yes":
            values = value if isinstance(value, list) else [value]
            for form in forms:
                translation.remove(form)
            for text in values:
                ET.SubElement(translation, "numerusform").text = text
        else:
            translation.text = value if isinstance(value, str) else value[0]
        translation.attrib.pop("type", None)
        filled += 1
    body = ET.tostring(tree.getroot(), encoding="unicode")
    ts_file.write_text(
        '<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE TS>\n' + body + "\n", encoding="utf-8"
    )
    return filled


def check(langs: Sequence[str] = TRANSLATED_LANGUAGES) -> list[Untranslated]:
    """Refresh a temporary copy of each .ts from the code and list what is not translated."""
    problems: list[Untranslated] = []
    with tempfile.TemporaryDirectory(prefix="zhangye-i18n-") as tmp:
        for lang in langs:
            for name, sources in catalogues().items():
                committed = ts_path(lang, name=name)
                copy = ts_path(lang, Path(tmp), name=name)
                copy.parent.mkdir(parents=True, exist_ok=True)
                if committed.is_file():
                    shutil.copyfile(committed, copy)
                update(copy, lang, quiet=True, sources=sources)
                problems.extend(untranslated(copy))
    return problems


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m zhangye_desk.ui.i18n_build", description=__doc__.splitlines()[0]
    )
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument(
        "--check", action="store_true", help="exit 1 if any tr() string lacks a translation"
    )
    mode.add_argument(
        "--release", action="store_true", help="only build the .qm files from the .ts files"
    )
    parser.add_argument(
        "--fill",
        metavar="JSON",
        type=Path,
        help="with --only: put the translations in this JSON file ({source: text}) into the"
        " catalogue's unfinished messages, then build",
    )
    parser.add_argument(
        "--only",
        metavar="NAME",
        help="only this catalogue (e.g. pages/attendance or zhangye_desk)",
    )
    args = parser.parse_args(argv)

    if args.check:
        problems = check()
        for problem in problems:
            print(f"untranslated: {problem}", file=sys.stderr)
        if problems:
            print(
                f"{len(problems)} message(s) need a translation: run "
                "`python -m zhangye_desk.ui.i18n_build` and translate them in "
                f"{translations_dir()}/",
                file=sys.stderr,
            )
            return 1
        print("all messages are translated")
        return 0

    for lang in TRANSLATED_LANGUAGES:
        for name, sources in catalogues().items():
            if args.only and name != args.only:
                continue
            ts_file = ts_path(lang, name=name)
            if not args.release:
                update(ts_file, lang, sources=sources)
            if args.fill:
                if not args.only:
                    parser.error("--fill needs --only NAME")
                mapping = json.loads(args.fill.read_text(encoding="utf-8"))
                print(f"filled {fill(ts_file, mapping)} message(s) in {ts_file.name}")
            elif not ts_file.is_file():
                print(f"missing {ts_file}", file=sys.stderr)
                return 1
            built = _release_and_report(ts_file)
            print(f"built {built}")
    return 0


def _release_and_report(ts_file: Path) -> Path:
    """Compile one catalogue, warning about messages that will show in English."""
    qm_file = release(ts_file)
    remaining = untranslated(ts_file)
    if remaining:
        print(
            f"warning: {len(remaining)} message(s) in {ts_file.name} are not translated yet;"
            " they will show in English:",
            file=sys.stderr,
        )
        for problem in remaining:
            print(f"  {problem}", file=sys.stderr)
    return qm_file


if __name__ == "__main__":
    raise SystemExit(main())
