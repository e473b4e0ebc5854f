"""The materials page on the demo store: the library, each viewer, and recording what was shown.

The demo copies five materials onto the laptop (a 3-page PDF, a WAV, a 4 s MP4, a 960×540
PNG and a multilingual TXT). Tests open them as a lecturer would (a click on the row) and check
what the lecturer would see.

Playing audio and video in this headless test machine logs three Qt warnings that say the
machine has no sound and no graphics card; they are ignored by exact text, only in the tests
that play something (``MEDIA_WARNINGS``):
- ``PulseAudioService: pa_context_connect() failed``: there is no sound server to connect to
  (QtMultimedia asks for the audio devices when the first player is made);
- ``No audio device detected``: so the sound of a recording goes nowhere (the picture and the
  clock still run, which is what the tests look at);
- ``… No RHI backend. Using CPU conversion.``: the offscreen platform has no GPU, so video
  frames are converted on the CPU.
They carry no logging category (plain ``qWarning``), so ``QT_LOGGING_RULES`` could only switch
off every uncategorised warning; the per-test ``qt_log_ignore`` marks match these lines alone.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QPoint, QRect, Qt, QUrl
from PySide6.QtGui import QDesktopServices, QFontDatabase, QInputMethodEvent, QPainter
from PySide6.QtMultimedia import QMediaPlayer
from PySide6.QtPdfWidgets import QPdfView
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QComboBox,
    QLabel,
    QLineEdit,
    QWidget,
)
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from zhangye_desk.core import materials, outbox, sessions
from zhangye_desk.core.store import OpenStore
from zhangye_desk.paths import resource
from zhangye_desk.ui.context import AppContext
from zhangye_desk.ui.pages.materials import (
    COL_DURATION,
    COL_FILE,
    COL_KIND,
    COL_SIZE,
    COL_TITLE,
    MaterialsPage,
)
from zhangye_desk.ui.viewers import read_text

REPO = Path(__file__).resolve().parents[2]
SCREENSHOTS = REPO / "docs" / "screenshots"

MEDIA_WARNINGS = pytest.mark.qt_log_ignore(
    r"^PulseAudioService: pa_context_connect\(\) failed$",
    r"^No audio device detected$",
    r"No RHI backend\. Using CPU conversion\.$",
)
MEDIA_TIMEOUT_MS = 20_000  # two slow cores, FFmpeg starting up

MANIFEST = json.loads(resource("demo_materials", "manifest.json").read_text(encoding="utf-8"))
TITLES = {Path(item["file"]).suffix: item["title"] for item in MANIFEST}
PDF, WAV, MP4, PNG, TXT = (TITLES[s] for s in (".pdf", ".wav", ".mp4", ".png", ".txt"))
TIBETAN_GREETING = "བཀྲ་ཤིས་བདེ་ལེགས།"


def has_cjk(text: str) -> bool:
    return any("\u3000" <= ch <= "\u9fff" or "\uff00" <= ch <= "\uffef" for ch in text)


def screenshot_path(tmp_path: Path, name: str) -> Path:
    if os.environ.get("ZHANGYE_SCREENSHOTS") == "1":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        return SCREENSHOTS / name
    return tmp_path / name


@pytest.fixture
def make_page(qtbot: QtBot, ctx: AppContext) -> Iterator[Callable[[], MaterialsPage]]:
    made: list[MaterialsPage] = []

    def make() -> MaterialsPage:
        page = MaterialsPage(ctx)
        qtbot.addWidget(page)
        # Shown as a window of its own (in the app it sits in the frame's stack), a page whose
        # layout sets the window's minimum size makes the offscreen platform warn that it
        # cannot pass size hints on; an explicit minimum keeps the layout from setting one.
        page.setMinimumSize(640, 480)
        page.resize(1366, 768)
        page.show()
        qtbot.waitExposed(page)
        page.refresh()
        made.append(page)
        return page

    yield make
    for page in made:
        # Let go of files and players before the temp folder goes.
        page.viewer.leave_full_screen()
        page.viewer.show_message("", "")


@pytest.fixture
def page(zh_app: QApplication, demo_store: OpenStore, make_page: Any) -> MaterialsPage:
    result: MaterialsPage = make_page()
    return result


def cell(page: MaterialsPage, title: str, column: str) -> str:
    row = row_of(page, title)
    return str(page.model.index(row, page.model.column_of(column)).data())


def row_of(page: MaterialsPage, title: str) -> int:
    for position, row in enumerate(page.model.rows()):
        if row[COL_TITLE] == title:
            return position
    raise AssertionError(f"{title} is not listed")


def id_of(page: MaterialsPage, title: str) -> str:
    return str(page.model.row(row_of(page, title))["id"])


def click_row(qtbot: QtBot, page: MaterialsPage, title: str) -> None:
    index = page.model.index(row_of(page, title), page.model.column_of(COL_TITLE))
    page.table.scrollTo(index)
    rect = page.table.visualRect(index)
    qtbot.mouseClick(page.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def open_sessions(store: OpenStore) -> list[dict[str, Any]]:
    return sessions.list_sessions(store.db, state="open")


class OpenedUrls:
    def __init__(self, result: bool = True) -> None:
        self.urls: list[QUrl] = []
        self.result = result

    def __call__(self, url: QUrl) -> bool:
        self.urls.append(QUrl(url))
        return self.result


@pytest.fixture
def opened_urls(monkeypatch: pytest.MonkeyPatch) -> OpenedUrls:
    """QDesktopServices.openUrl, recorded instead of starting a program."""
    recorder = OpenedUrls()
    monkeypatch.setattr(QDesktopServices, "openUrl", recorder)
    return recorder


def add_file(store: OpenStore, tmp_path: Path, name: str, data: bytes, title: str) -> str:
    source = tmp_path / name
    source.write_bytes(data)
    return materials.add_local_file(
        store.db, source, store.paths.materials, title=title, topic="演示", language="zh"
    )


# -- the library --------------------------------------------------------------------------------


def test_library_lists_the_demo_materials_with_sizes_and_types(page: MaterialsPage) -> None:
    assert page.model.rowCount() == 5
    assert {cell(page, t, COL_KIND) for t in (PDF, WAV, MP4, PNG, TXT)} == {
        "PDF",
        "音频",
        "视频",
        "图片",
        "文本",
    }
    assert cell(page, PDF, COL_KIND) == "PDF"
    assert cell(page, WAV, COL_KIND) == "音频"
    assert cell(page, PDF, COL_SIZE) == "31 kB"
    assert cell(page, WAV, COL_SIZE) == "240 kB"
    assert cell(page, TXT, COL_SIZE) == "443 字节"
    assert cell(page, WAV, COL_DURATION) == "0:07"
    assert cell(page, MP4, COL_DURATION) == "0:04"
    assert cell(page, PDF, COL_DURATION) == ""
    assert {cell(page, t, COL_FILE) for t in (PDF, WAV, MP4, PNG, TXT)} == {"已在本机"}
    assert cell(page, TXT, "language") == "多语种"
    assert page.count_label.text() == "共 5 份资料，5 份已在本机"
    # Highest priority first, as the county ranked them.
    assert [r[COL_TITLE] for r in page.model.rows()] == [PDF, WAV, MP4, PNG, TXT]
    header = page.model.headerData(0, Qt.Orientation.Horizontal)
    assert header == "标题"
    assert page.table.verticalHeader().defaultSectionSize() >= 40


def test_filters_by_topic_language_and_text(qtbot: QtBot, page: MaterialsPage) -> None:
    page.topic_combo.setCurrentIndex(page.topic_combo.findText("帐篷课堂"))
    assert sorted(r[COL_TITLE] for r in page.model.rows()) == sorted([MP4, PNG])
    page.topic_combo.setCurrentIndex(0)
    assert page.topic_combo.currentText() == "全部主题"
    assert page.model.rowCount() == 5

    page.language_combo.setCurrentIndex(page.language_combo.findText("多语种"))
    assert [r[COL_TITLE] for r in page.model.rows()] == [TXT]
    page.language_combo.setCurrentIndex(0)

    # Typed with an input method (QTest can only press the keys of an ASCII keyboard).
    page.search_edit.setFocus()
    typed = QInputMethodEvent("", [])
    typed.setCommitString("视频")
    QApplication.sendEvent(page.search_edit, typed)
    assert [r[COL_TITLE] for r in page.model.rows()] == [MP4]
    page.search_edit.setText("没有这个")
    assert page.model.rowCount() == 0
    assert page.count_label.text() == "没有符合条件的资料。"
    page.search_edit.clear()
    assert page.model.rowCount() == 5


def test_model_passes_the_model_tester(page: MaterialsPage, qtmodeltester: ModelTester) -> None:
    qtmodeltester.check(page.model, force_py=True)
    page.search_edit.setText("帐篷")
    qtmodeltester.check(page.model, force_py=True)


# -- viewers ------------------------------------------------------------------------------------


def test_pdf_shows_page_1_of_3_and_turns_pages(qtbot: QtBot, page: MaterialsPage) -> None:
    click_row(qtbot, page, PDF)
    viewer = page.viewer
    assert viewer.stack.currentWidget() is viewer.pdf
    assert viewer.title_label.text() == PDF
    assert viewer.pdf.page_label.text() == "第 1 / 3 页"
    assert not viewer.pdf.previous_button.isEnabled()

    qtbot.mouseClick(viewer.pdf.next_button, Qt.MouseButton.LeftButton)
    assert viewer.pdf.current_page() == 1
    assert viewer.pdf.page_label.text() == "第 2 / 3 页"
    # A presentation clicker sends Page Down, wherever the focus is in the window.
    page.table.setFocus()
    qtbot.keyClick(page.table, Qt.Key.Key_PageDown)
    assert viewer.pdf.page_label.text() == "第 3 / 3 页"
    assert not viewer.pdf.next_button.isEnabled()
    qtbot.mouseClick(viewer.pdf.previous_button, Qt.MouseButton.LeftButton)
    assert viewer.pdf.current_page() == 1

    # The slide is drawn (pages render in the background): many colours, not a grey view.
    def colours() -> int:
        image = viewer.pdf.view.viewport().grab().toImage()
        return len(
            {
                image.pixel(x, y)
                for x in range(0, image.width(), 9)
                for y in range(0, image.height(), 9)
            }
        )

    qtbot.waitUntil(lambda: colours() > 20)


def test_image_keeps_its_aspect(qtbot: QtBot, page: MaterialsPage) -> None:
    click_row(qtbot, page, PNG)
    viewer = page.viewer
    assert viewer.stack.currentWidget() is viewer.image
    assert viewer.image.original_size().width() == 960
    shown = viewer.image.pixmap().size()
    assert shown.width() > 200
    assert shown.width() / shown.height() == pytest.approx(960 / 540, rel=0.01)
    assert shown.width() <= viewer.image.width() and shown.height() <= viewer.image.height()

    # Made bigger (full screen), the picture grows with it and keeps its shape.
    before = shown.width()
    qtbot.mouseClick(viewer.full_screen_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: viewer.image.pixmap().size().width() > before)
    grown = viewer.image.pixmap().size()
    assert grown.width() / grown.height() == pytest.approx(960 / 540, rel=0.01)


def test_text_shows_the_tibetan_greeting(qtbot: QtBot, page: MaterialsPage) -> None:
    click_row(qtbot, page, TXT)
    viewer = page.viewer
    assert viewer.stack.currentWidget() is viewer.text
    lines = viewer.text.toPlainText().splitlines()
    assert any(TIBETAN_GREETING in line for line in lines)
    assert any("各位牧民朋友" in line for line in lines)
    assert viewer.text.isReadOnly()
    # Without a Tibetan font the letters would be boxes: the lecturer is told why.
    has_tibetan_font = bool(QFontDatabase.families(QFontDatabase.WritingSystem.Tibetan))
    assert viewer.hint_label.isVisible() is not has_tibetan_font
    if not has_tibetan_font:
        assert "没有藏文字体" in viewer.hint_label.text()
    # The hint belongs to this text only.
    click_row(qtbot, page, PNG)
    assert not viewer.hint_label.isVisible()


def test_text_in_gbk_is_read_as_gb18030(
    qtbot: QtBot, page: MaterialsPage, demo_store: OpenStore, tmp_path: Path
) -> None:
    add_file(demo_store, tmp_path, "notes.txt", "马蹄藏族乡 宣讲提纲".encode("gbk"), "宣讲提纲")
    page.refresh()
    click_row(qtbot, page, "宣讲提纲")
    assert page.viewer.text.toPlainText() == "马蹄藏族乡 宣讲提纲"


def test_read_text_cuts_long_files_on_a_character(tmp_path: Path) -> None:
    path = tmp_path / "long.txt"
    path.write_text("草原" * 10, encoding="utf-8")
    text, truncated = read_text(path, limit=10)  # 3 whole characters and one byte of the 4th
    assert (text, truncated) == ("草原草", True)


@MEDIA_WARNINGS
def test_audio_plays_to_the_end(qtbot: QtBot, page: MaterialsPage) -> None:
    click_row(qtbot, page, WAV)
    media = page.viewer.media
    assert page.viewer.stack.currentWidget() is media
    assert not media.video.isVisible() and media.audio_label.text() == WAV
    player = media.player
    qtbot.waitUntil(lambda: player.duration() > 7000, timeout=MEDIA_TIMEOUT_MS)
    assert media.time_label.text() == "0:00 / 0:07"
    assert media.play_button.text() == "播放"

    # The focus went to Play, so Space starts it.
    assert media.play_button.hasFocus()
    nones = sys.getrefcount(None)
    qtbot.keyClick(media.play_button, Qt.Key.Key_Space)
    assert player.playbackState() == QMediaPlayer.PlaybackState.PlayingState
    assert media.play_button.text() == "暂停"
    qtbot.waitUntil(lambda: media.position_slider.value() > 500, timeout=MEDIA_TIMEOUT_MS)
    qtbot.waitUntil(
        lambda: player.mediaStatus() == QMediaPlayer.MediaStatus.EndOfMedia,
        timeout=MEDIA_TIMEOUT_MS,
    )
    assert media.time_label.text() == "0:07 / 0:07"
    assert media.play_button.text() == "播放"
    # The clock ticked ~150 times; none of the ticks may cost a reference to None (PySide6
    # 6.12 on Python 3.11 loses one per void call, and a long lecture would abort the app).
    assert sys.getrefcount(None) - nones > -50


@MEDIA_WARNINGS
def test_video_loads_with_its_length(qtbot: QtBot, page: MaterialsPage) -> None:
    click_row(qtbot, page, MP4)
    media = page.viewer.media
    player = media.player
    assert media.video.isVisible()
    qtbot.waitUntil(
        lambda: (
            player.mediaStatus()
            in (QMediaPlayer.MediaStatus.LoadedMedia, QMediaPlayer.MediaStatus.BufferedMedia)
        ),
        timeout=MEDIA_TIMEOUT_MS,
    )
    assert player.duration() == pytest.approx(4000, abs=200)
    assert media.time_label.text() == "0:00 / 0:04"
    assert media.position_slider.maximum() == player.duration()
    # Opening it does not start it: the lecturer presses Play when the tent is ready.
    assert player.playbackState() != QMediaPlayer.PlaybackState.PlayingState

    # Another page shown (the page hidden) pauses a playing video.
    qtbot.mouseClick(media.play_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: player.position() > 200, timeout=MEDIA_TIMEOUT_MS)
    page.hide()
    assert player.playbackState() == QMediaPlayer.PlaybackState.PausedState


def test_other_types_open_with_the_system_program(
    qtbot: QtBot,
    page: MaterialsPage,
    demo_store: OpenStore,
    tmp_path: Path,
    opened_urls: OpenedUrls,
) -> None:
    material_id = add_file(demo_store, tmp_path, "slides.pptx", b"PK\x03\x04 demo", "幻灯片")
    page.refresh()
    assert cell(page, "幻灯片", COL_KIND) == "其他"
    click_row(qtbot, page, "幻灯片")
    path = materials.material_path(demo_store.db, material_id, demo_store.paths.materials)
    assert path is not None
    assert opened_urls.urls == [QUrl.fromLocalFile(str(path))]
    assert "本机的程序" in page.viewer.message_label.text()
    assert not page.viewer.has_media_player()


def test_no_program_for_a_type_says_so_and_records_nothing(
    qtbot: QtBot,
    page: MaterialsPage,
    demo_store: OpenStore,
    tmp_path: Path,
    opened_urls: OpenedUrls,
) -> None:
    opened_urls.result = False
    add_file(demo_store, tmp_path, "data.xyz", b"\x00\x01", "未知文件")
    page.refresh()
    session = open_sessions(demo_store)[0]
    assert page.choose_session(session["id"])
    before = len(materials.shown_at_session(demo_store.db, session["id"]))
    click_row(qtbot, page, "未知文件")
    assert "没有能打开这类文件的程序" in page.viewer.message_label.text()
    assert ".xyz" in page.viewer.message_label.text()
    assert len(materials.shown_at_session(demo_store.db, session["id"])) == before


@MEDIA_WARNINGS
def test_a_material_not_on_disk_says_it_comes_with_the_next_sync(
    qtbot: QtBot, page: MaterialsPage, demo_store: OpenStore
) -> None:
    session = open_sessions(demo_store)[0]
    before = len(materials.shown_at_session(demo_store.db, session["id"]))
    materials.set_file_state(demo_store.db, id_of(page, MP4), "absent")
    page.refresh()
    assert cell(page, MP4, COL_FILE) == "未下载"
    assert page.count_label.text() == "共 5 份资料，4 份已在本机"
    page.choose_session(session["id"])

    click_row(qtbot, page, MP4)
    viewer = page.viewer
    assert viewer.stack.currentWidget() is viewer.message_label
    assert viewer.title_label.text() == MP4
    assert "下次同步" in viewer.message_label.text()
    assert not viewer.has_media_player()
    assert len(materials.shown_at_session(demo_store.db, session["id"])) == before

    # Once it has arrived, a tap on the same row shows it (and records it).
    materials.set_file_state(demo_store.db, id_of(page, MP4), "present")
    page.refresh()
    click_row(qtbot, page, MP4)
    assert viewer.stack.currentWidget() is viewer.media
    assert len(materials.shown_at_session(demo_store.db, session["id"])) == before + 1


# -- sessions -----------------------------------------------------------------------------------


def test_opening_with_a_session_chosen_records_it_as_shown(
    qtbot: QtBot, page: MaterialsPage, demo_store: OpenStore, ctx: AppContext
) -> None:
    session = open_sessions(demo_store)[0]
    db = demo_store.db
    before = len(materials.shown_at_session(db, session["id"]))
    assert page.current_session_id() == ""
    assert page.session_combo.currentText() == "无（不在课堂中）"

    # Outside a session nothing is recorded.
    click_row(qtbot, page, TXT)
    assert len(materials.shown_at_session(db, session["id"])) == before
    assert not page.viewer.notice_label.isVisible()

    page.session_combo.setCurrentIndex(page.session_combo.findData(session["id"]))
    assert session["title"] in page.session_combo.currentText()
    with qtbot.waitSignal(ctx.data_changed, timeout=1000):
        click_row(qtbot, page, PNG)
    shown = materials.shown_at_session(db, session["id"])
    assert len(shown) == before + 1
    assert shown[-1]["material_id"] == id_of(page, PNG)
    assert page.viewer.notice_label.isVisible()
    assert page.viewer.notice_label.text() == f"已记录：在《{session['title']}》中展示"
    op = outbox.pending(db)[-1]
    assert op.type == outbox.OP_MATERIAL_SHOWN
    assert op.data["s"] == session["id"] and op.data["m"] == id_of(page, PNG)

    # A second tap on the material already shown does not record it twice; Enter on the
    # selected row (showing it again on purpose) does.
    click_row(qtbot, page, PNG)
    assert len(materials.shown_at_session(db, session["id"])) == before + 1
    page.table.setFocus()
    qtbot.keyClick(page.table, Qt.Key.Key_Return)
    assert len(materials.shown_at_session(db, session["id"])) == before + 2

    # The refresh that follows data_changed keeps the session, the row and the viewer.
    page.refresh()
    assert page.current_session_id() == session["id"]
    assert page.selected_id() == id_of(page, PNG)
    assert page.viewer.stack.currentWidget() is page.viewer.image


def test_only_open_sessions_can_be_chosen(
    qtbot: QtBot, page: MaterialsPage, demo_store: OpenStore
) -> None:
    db = demo_store.db
    still_open = open_sessions(demo_store)
    closed = sessions.list_sessions(db, state="closed")
    assert len(still_open) == 2 and closed
    choices = {page.session_combo.itemData(i) for i in range(page.session_combo.count())}
    assert choices == {""} | {s["id"] for s in still_open}
    assert not page.choose_session(closed[0]["id"])

    # Closed on the sessions page while chosen here: it goes from the list at the next refresh.
    page.choose_session(still_open[0]["id"])
    sessions.close_session(db, still_open[0]["id"])
    page.refresh()
    assert page.current_session_id() == ""
    assert page.session_combo.count() == 2

    # Closed between the refresh and the click: nothing recorded, and the page says why.
    page.choose_session(still_open[1]["id"])
    sessions.close_session(db, still_open[1]["id"])
    before = len(materials.shown_at_session(db, still_open[1]["id"]))
    click_row(qtbot, page, PNG)
    assert page.viewer.stack.currentWidget() is page.viewer.image
    assert "已结束" in page.viewer.notice_label.text()
    assert len(materials.shown_at_session(db, still_open[1]["id"])) == before
    assert page.current_session_id() == ""


def test_open_material_from_another_page(
    page: MaterialsPage, demo_store: OpenStore, ctx: AppContext
) -> None:
    session = open_sessions(demo_store)[0]
    pdf_id = id_of(page, PDF)
    page.search_edit.setText("视频")  # the filters must not hide what was asked for
    page.open_material(pdf_id, session["id"])
    assert page.current_session_id() == session["id"]
    assert page.selected_id() == pdf_id
    assert page.viewer.stack.currentWidget() is page.viewer.pdf
    assert materials.shown_at_session(demo_store.db, session["id"])[-1]["material_id"] == pdf_id

    # "" means outside a session; a closed session is not recorded at either.
    page.open_material(id_of(page, PNG), "")
    assert page.current_session_id() == ""
    closed = sessions.list_sessions(demo_store.db, state="closed")[0]
    before = len(materials.shown_at_session(demo_store.db, closed["id"]))
    page.open_material(id_of(page, TXT), closed["id"])
    assert page.viewer.stack.currentWidget() is page.viewer.text
    assert "已结束" in page.viewer.notice_label.text()
    assert len(materials.shown_at_session(demo_store.db, closed["id"])) == before


# -- full screen, keyboard, language ------------------------------------------------------------


def test_full_screen_and_back_with_f11_and_esc(qtbot: QtBot, page: MaterialsPage) -> None:
    click_row(qtbot, page, PDF)
    viewer = page.viewer
    home = viewer.parentWidget()
    assert not viewer.is_full_screen()

    qtbot.mouseClick(viewer.full_screen_button, Qt.MouseButton.LeftButton)
    assert viewer.is_full_screen()
    host = viewer.top_window()
    assert host is not page.window()
    assert host.isFullScreen()
    assert viewer.full_screen_button.text() == "退出全屏"
    # A slide in full screen is shown whole; back in the page it fits the width again.
    assert viewer.pdf.view.zoomMode() == QPdfView.ZoomMode.FitInView
    qtbot.waitUntil(host.isActiveWindow)
    # The slides still turn with the clicker in full screen.
    qtbot.keyClick(viewer, Qt.Key.Key_PageDown)
    assert viewer.pdf.page_label.text() == "第 2 / 3 页"

    qtbot.keyClick(viewer, Qt.Key.Key_Escape)
    assert not viewer.is_full_screen()
    assert viewer.parentWidget() is home and viewer.isVisible()
    assert viewer.full_screen_button.text() == "全屏"
    assert viewer.pdf.view.zoomMode() == QPdfView.ZoomMode.FitToWidth
    qtbot.waitUntil(page.isActiveWindow)

    qtbot.keyClick(viewer, Qt.Key.Key_F11)
    assert viewer.is_full_screen()
    qtbot.waitUntil(viewer.top_window().isActiveWindow)
    qtbot.keyClick(viewer, Qt.Key.Key_F11)
    assert not viewer.is_full_screen()
    assert viewer.pdf.page_label.text() == "第 2 / 3 页"


def test_keyboard_alone_opens_a_material(qtbot: QtBot, page: MaterialsPage) -> None:
    page.table.setFocus()
    page.table.setCurrentIndex(page.model.index(0, 0))
    qtbot.keyClick(page.table, Qt.Key.Key_Down)
    assert page.selected_id() == id_of(page, WAV)
    assert page.viewer.stack.currentWidget() is page.viewer.message_label  # only selected
    page.table.selectRow(row_of(page, PNG))
    qtbot.keyClick(page.table, Qt.Key.Key_Return)
    assert page.viewer.stack.currentWidget() is page.viewer.image
    assert page.open_button.isEnabled() and page.open_button.minimumHeight() >= 40


def test_english_mode_shows_no_chinese_labels(
    qtbot: QtBot, en_app: QApplication, demo_store: OpenStore, make_page: Any
) -> None:
    page: MaterialsPage = make_page()
    click_row(qtbot, page, PDF)
    assert page.title() == "Materials"
    data_widgets = {page.viewer.title_label, page.viewer.notice_label}
    texts: list[str] = []
    for widget in page.findChildren(QWidget):
        if widget in data_widgets:
            continue
        if isinstance(widget, QLabel | QAbstractButton):
            texts.append(widget.text())
        if isinstance(widget, QLineEdit):
            texts.append(widget.placeholderText())
        texts.append(widget.toolTip())
    for combo in (page.topic_combo, page.language_combo, page.session_combo):
        texts.append(combo.itemText(0))  # the rest are topics and session titles: data
    texts += [combo_text for combo_text in _language_items(page.language_combo)]
    model = page.model
    texts += [
        str(model.headerData(c, Qt.Orientation.Horizontal)) for c in range(model.columnCount())
    ]
    for column in (COL_KIND, COL_SIZE, COL_DURATION, COL_FILE, "language"):
        texts += [str(model.index(r, model.column_of(column)).data()) for r in range(5)]
    chinese = [t for t in texts if has_cjk(t)]
    assert chinese == []
    assert page.viewer.pdf.page_label.text() == "Page 1 of 3"
    assert page.count_label.text() == "Materials: 5 (on this laptop: 5)"
    assert cell(page, TXT, COL_SIZE) == "443 bytes"


def _language_items(combo: QComboBox) -> list[str]:
    return [combo.itemText(i) for i in range(combo.count())]


# -- screenshots --------------------------------------------------------------------------------


def test_screenshot_with_a_pdf_open(
    qtbot: QtBot, page: MaterialsPage, demo_store: OpenStore, tmp_path: Path
) -> None:
    page.choose_session(open_sessions(demo_store)[0]["id"])
    click_row(qtbot, page, PDF)
    qtbot.wait(200)  # let the PDF page render
    path = screenshot_path(tmp_path, "materials.png")
    assert page.grab().save(str(path))
    assert path.stat().st_size > 20_000


@MEDIA_WARNINGS
def test_screenshot_with_a_video(
    qtbot: QtBot, page: MaterialsPage, demo_store: OpenStore, tmp_path: Path
) -> None:
    click_row(qtbot, page, MP4)
    media = page.viewer.media
    sink = media.video.videoSink()
    qtbot.waitUntil(lambda: sink.videoFrame().isValid(), timeout=MEDIA_TIMEOUT_MS)
    media.player.setPosition(2000)
    qtbot.waitUntil(lambda: sink.videoFrame().startTime() >= 1_500_000, timeout=MEDIA_TIMEOUT_MS)
    shot = page.grab().toImage()
    # Offscreen Qt cannot grab the video widget's native surface (it is drawn by the graphics
    # card on a real screen), so the current frame is painted where the widget is, as it
    # would appear.
    frame = sink.videoFrame().toImage()
    area = QRect(media.video.mapTo(page, QPoint(0, 0)), media.video.size())
    scaled = frame.scaled(area.size(), Qt.AspectRatioMode.KeepAspectRatio)
    painter = QPainter(shot)
    painter.fillRect(area, Qt.GlobalColor.black)
    painter.drawImage(
        area.x() + (area.width() - scaled.width()) // 2,
        area.y() + (area.height() - scaled.height()) // 2,
        scaled,
    )
    painter.end()
    path = screenshot_path(tmp_path, "materials_video.png")
    assert shot.save(str(path))
