"""Install Qt translators for the interface language.

Source strings in code are English inside ``tr()`` (the Qt convention); the zh_CN catalogue
``resources/translations/zhangye_desk_zh_CN.qm`` (built from the committed .ts by
``python -m zhangye_desk.ui.i18n_build``) turns them into Chinese. Qt's own catalogue
(``qtbase_<lang>.qm``) is loaded too, so standard buttons and dialogs (OK, Cancel, Show
Details…) match. English needs no catalogue of ours.

Nothing here reads settings or the database; the caller says which language it wants.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator

from ..paths import resource

log = logging.getLogger(__name__)

DEFAULT_LANGUAGE = "zh_CN"
SUPPORTED_LANGUAGES: tuple[str, ...] = ("zh_CN", "en")
# Languages our own strings are translated into (English is the source language).
TRANSLATED_LANGUAGES: tuple[str, ...] = ("zh_CN",)
CATALOGUE = "zhangye_desk"
# Qt's catalogues, most specific first: qtbase is enough for Widgets; qt_<lang> is Qt's
# meta-catalogue (it pulls in qtbase and friends) for installs that only ship that one.
QT_CATALOGUES: tuple[str, ...] = ("qtbase", "qt")
# The translators we installed, so a second call can replace them (language switch, tests).
# Kept here rather than found with app.findChildren(QTranslator): that makes PySide6 wrap
# every child of the application, about 5 ms before the window's first paint.
_installed: list[QTranslator] = []


def translations_dir() -> Path:
    """Where our .ts sources and built .qm catalogues live."""
    return resource("translations")


def qm_path(lang: str) -> Path:
    """The frame's catalogue (menus, status bar, messages, app start)."""
    return translations_dir() / f"{CATALOGUE}_{lang}.qm"


def page_qm_paths(lang: str) -> list[Path]:
    """One catalogue per page module (``ui/pages/<name>.py`` → ``pages/<name>_<lang>.qm``).

    Separate catalogues let each page's strings be extracted and translated on their own.
    """
    return sorted((translations_dir() / "pages").glob(f"*_{lang}.qm"))


def qt_translations_dir() -> Path:
    return Path(QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath))


def install_translators(
    app: QCoreApplication, lang: str = DEFAULT_LANGUAGE, *, pages: bool = True
) -> list[Path]:
    """Install the catalogues for ``lang`` on ``app``; return the .qm files that were loaded.

    Replaces translators installed by an earlier call. A missing zh_CN catalogue of ours is
    logged as an error (the window would show English) but is not fatal: the cadre can still
    record attendance. ``pages=False`` leaves the pages' catalogues out: the window's frame
    needs only ours and Qt's, and app.py installs the pages' (``install_page_translators``)
    once the frame has been painted, before any page is built.
    """
    if lang not in SUPPORTED_LANGUAGES:
        raise ValueError(f"unsupported language {lang!r}; choose one of {SUPPORTED_LANGUAGES}")
    remove_translators(app)
    QLocale.setDefault(QLocale(lang))
    loaded: list[Path] = []
    if lang in TRANSLATED_LANGUAGES:
        ours = qm_path(lang)
        if _install(app, ours):
            loaded.append(ours)
        else:
            log.error(
                "the %s translation %s is missing or unreadable: the window will be in English."
                " Build it with `python -m zhangye_desk.ui.i18n_build` (or `make translations`).",
                lang,
                ours,
            )
        if pages:
            loaded.extend(install_page_translators(app, lang))
    if lang != "en":
        qt_file = _install_qt_catalogue(app, lang)
        if qt_file is not None:
            loaded.append(qt_file)
        else:
            log.warning(
                "Qt's own %s translation was not found in %s; standard buttons stay in English",
                lang,
                qt_translations_dir(),
            )
    log.info("interface language %s; catalogues: %s", lang, [p.name for p in loaded])
    return loaded


def install_page_translators(app: QCoreApplication, lang: str) -> list[Path]:
    """Add the pages' catalogues for ``lang`` (see ``install_translators``); return them."""
    loaded: list[Path] = []
    if lang not in TRANSLATED_LANGUAGES:
        return loaded
    for page_catalogue in page_qm_paths(lang):
        if _install(app, page_catalogue):
            loaded.append(page_catalogue)
        else:
            log.error("the translation %s is unreadable", page_catalogue)
    return loaded


def remove_translators(app: QCoreApplication) -> None:
    """Remove every translator an earlier ``install_translators`` call put on ``app``."""
    while _installed:
        translator = _installed.pop()
        app.removeTranslator(translator)
        translator.setParent(None)
        translator.deleteLater()


def _install_qt_catalogue(app: QCoreApplication, lang: str) -> Path | None:
    folder = qt_translations_dir()
    for name in QT_CATALOGUES:
        candidate = folder / f"{name}_{lang}.qm"
        if candidate.is_file() and _install(app, candidate):
            return candidate
    return None


def _install(app: QCoreApplication, qm_file: Path) -> bool:
    if not qm_file.is_file():
        return False
    # Parented to the application so Python's garbage collector cannot drop it while installed.
    translator = QTranslator(app)
    if not translator.load(str(qm_file)) or translator.isEmpty():
        translator.setParent(None)
        return False
    if not app.installTranslator(translator):
        translator.setParent(None)
        return False
    _installed.append(translator)
    return True
