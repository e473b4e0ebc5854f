"""Viewers that show a material inside the app: PDF pages, images, text, audio and video.

``MaterialViewer`` is the panel a page embeds: it picks a viewer by the material's media type
(``viewer_kind``), shows calm messages in place of a viewer (a file not on this laptop yet, a
file that cannot be read), opens other types with the computer's own program
(``QDesktopServices``) and can fill the screen (F11, Esc to leave) for showing slides to a
tent of herders.

What must not live here: database access and recording what was shown at a session. The page
decides what to open and records it; a viewer only gets a file path and a media type.

The audio/video player is created the first time a recording is opened, not with the page:
creating QtMultimedia objects starts the audio system, which on a machine without a sound
server logs warnings, and most visits to the materials page never play anything.
"""

from __future__ import annotations

import codecs
import logging
from pathlib import Path

from PySide6.QtCore import QMargins, QObject, QPointF, QSize, Qt, QUrl, Signal, Slot
from PySide6.QtGui import (
    QCloseEvent,
    QColor,
    QDesktopServices,
    QFont,
    QFontDatabase,
    QImageReader,
    QKeySequence,
    QPalette,
    QPixmap,
    QResizeEvent,
    QShortcut,
)
from PySide6.QtMultimedia import QAudioOutput, QMediaDevices, QMediaPlayer
from PySide6.QtMultimediaWidgets import QVideoWidget
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPdfWidgets import QPdfView
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QScroller,
    QSizePolicy,
    QSlider,
    QStackedWidget,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from .fonts import scaled
from .messages import fill as _fill

log = logging.getLogger(__name__)

# What a material is shown with, by media type.
KIND_PDF = "pdf"
KIND_IMAGE = "image"
KIND_TEXT = "text"
KIND_AUDIO = "audio"
KIND_VIDEO = "video"
KIND_OTHER = "other"  # opened with the computer's own program
VIEWER_KINDS: tuple[str, ...] = (
    KIND_PDF,
    KIND_IMAGE,
    KIND_TEXT,
    KIND_AUDIO,
    KIND_VIDEO,
    KIND_OTHER,
)

# Touch screens and old laptops: buttons a thumb can hit.
BUTTON_HEIGHT_PX = 44
# A text file larger than this is shown in part: lecture notes are kilobytes, and a huge file
# read whole would freeze the window.
TEXT_LIMIT_BYTES = 4 * 1024 * 1024
TEXT_POINT_FACTOR = 1.25
NOTICE_COLOUR = QColor("#2e6b30")  # a calm dark green: "recorded", not an alarm
# Faces with Tibetan and traditional Mongolian letters, Windows first, then Linux (Noto). They
# are appended after the application's CJK-first families (fonts.py), so Chinese keeps its
# faces and only the letters those lack come from these.
TIBETAN_FAMILIES: tuple[str, ...] = (
    "Microsoft Himalaya",
    "Noto Serif Tibetan",
    "Noto Sans Tibetan",
    "Jomolhari",
)
MONGOLIAN_FAMILIES: tuple[str, ...] = ("Mongolian Baiti", "Noto Sans Mongolian")
SCRIPT_FAMILIES: tuple[str, ...] = TIBETAN_FAMILIES + MONGOLIAN_FAMILIES
TIBETAN_LETTERS = range(0x0F00, 0x1000)
MONGOLIAN_LETTERS = range(0x1800, 0x18B0)


def viewer_kind(mime: str | None) -> str:
    """Which viewer shows a material of this media type (``KIND_OTHER``: the system's program)."""
    base = (mime or "").split(";", 1)[0].strip().lower()
    if base == "application/pdf":
        return KIND_PDF
    if base.startswith("text/"):
        return KIND_TEXT
    if base.startswith("audio/"):
        return KIND_AUDIO
    if base.startswith("video/"):
        return KIND_VIDEO
    if base.startswith("image/"):
        # Only what Qt can decode here (no plugin for HEIC photos, for example).
        supported = {bytes(t.data()).decode() for t in QImageReader.supportedMimeTypes()}
        return KIND_IMAGE if base in supported else KIND_OTHER
    return KIND_OTHER


def read_text(path: Path, limit: int = TEXT_LIMIT_BYTES) -> tuple[str, bool]:
    """A text file's contents and whether it was cut at ``limit`` bytes.

    UTF-8 first (with or without a BOM), UTF-16 when it starts with its BOM, else GB18030:
    notes typed in older Chinese Windows programs are saved in GBK, which GB18030 contains.
    """
    with path.open("rb") as handle:
        data = handle.read(limit + 1)
    truncated = len(data) > limit
    data = data[:limit]
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16", errors="replace"), truncated
    try:
        # A cut file may end inside a character: the incremental decoder keeps those bytes
        # back instead of failing on them.
        return codecs.getincrementaldecoder("utf-8-sig")().decode(data), truncated
    except UnicodeDecodeError:
        return data.decode("gb18030", errors="replace"), truncated


def format_time(milliseconds: int) -> str:
    """A player's clock: 0:07, 12:30, 1:02:03."""
    seconds = max(0, milliseconds) // 1000
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    if hours:
        return f"{hours}:{minutes:02d}:{seconds:02d}"
    return f"{minutes}:{seconds:02d}"


def open_with_system(path: Path) -> bool:
    """Open ``path`` with the computer's default program for its type; False if none could."""
    return bool(QDesktopServices.openUrl(QUrl.fromLocalFile(str(path))))


def _shortcut(
    parent: QWidget,
    key: QKeySequence | Qt.Key | QKeySequence.StandardKey,
    slot: object,
    context: Qt.ShortcutContext = Qt.ShortcutContext.WindowShortcut,
) -> QShortcut:
    """A shortcut that works while ``parent`` is visible in its window (or has focus inside).

    Window-wide by default: the lecturer's focus is usually still in the material list when
    they press Space to play or Page Down to turn a slide. Text fields still get their keys,
    because Qt lets a focused editor claim a key before any shortcut sees it.
    """
    shortcut = QShortcut(QKeySequence(key), parent)
    shortcut.setContext(context)
    shortcut.activated.connect(slot)
    return shortcut


def _ignore(*_args: object) -> None:
    """A slot that does nothing (see ``_answer_disconnects_without_python``)."""


def _answer_disconnects_without_python(*objects: QObject) -> None:
    """Make Qt's ``disconnectNotify`` on these objects stop asking Python, before playing.

    FFmpeg's playback threads connect their renderers to the player and the audio output, and
    when a renderer is deleted (a new file, Stop) Qt calls ``disconnectNotify`` on those
    objects from the playback thread. On an object made in Python, PySide answers that call by
    looking for a Python override, which needs the GIL; it remembers the answer, but only after
    the first time. If the first time happens while the GUI thread holds the GIL and waits for
    that playback thread (inside ``stop()`` or ``setSource()``), both wait forever: the window
    freezes. Connecting and disconnecting once here, on the GUI thread, makes PySide look the
    override up now, so the playback threads never need the GIL.
    """
    for obj in objects:
        obj.objectNameChanged.connect(_ignore)
        obj.objectNameChanged.disconnect(_ignore)


def _set_property(widget: QObject, name: str, value: object) -> None:
    """Set a widget's Qt property through ``setProperty`` rather than its void setter.

    PySide6 6.12 on Python 3.11 takes one reference to ``None`` away on every call of a C++
    method that returns nothing (``setValue``, ``setText`` …), and the interpreter aborts when
    None's count runs out (see the xfail in tests/ui/test_attendance_page.py). A player's clock
    ticks about 20 times a second, so a long video lecture would bring the window down.
    ``setProperty`` returns a bool, which PySide counts correctly. Only the hot path needs this.
    """
    widget.setProperty(name, value)


def _big_button(text: str, parent: QWidget, name: str) -> QPushButton:
    button = QPushButton(text, parent)
    button.setObjectName(name)
    button.setMinimumHeight(BUTTON_HEIGHT_PX)
    return button


def _touch_scrolling(widget: QWidget) -> None:
    """Let a finger drag the view on a touch screen (a mouse keeps selecting as before)."""
    QScroller.grabGesture(widget, QScroller.ScrollerGestureType.TouchGesture)


# -------------------------------------------------------------------------------------------
# PDF


class PdfViewer(QWidget):
    """One page at a time, fitted to the width, with previous/next and "page N of M"."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("pdf_viewer")
        self.document = QPdfDocument(self)
        self.view = QPdfView(self)
        self.view.setObjectName("pdf_view")
        self.view.setDocument(self.document)
        self.view.setPageMode(QPdfView.PageMode.SinglePage)
        self.view.setZoomMode(QPdfView.ZoomMode.FitToWidth)
        # Qt's 6 px margins make a "whole page" a little taller than the view (a needless
        # scroll bar); the slide's own edge is frame enough.
        self.view.setDocumentMargins(QMargins(0, 0, 0, 0))
        _touch_scrolling(self.view.viewport())

        style = self.style()
        self.previous_button = _big_button(self.tr("Previous page"), self, "pdf_previous")
        self.previous_button.setIcon(style.standardIcon(QStyle.StandardPixmap.SP_ArrowBack))
        self.previous_button.setToolTip(self.tr("Previous page (Page Up)"))
        self.next_button = _big_button(self.tr("Next page"), self, "pdf_next")
        self.next_button.setIcon(style.standardIcon(QStyle.StandardPixmap.SP_ArrowForward))
        self.next_button.setToolTip(self.tr("Next page (Page Down)"))
        self.page_label = QLabel(self)
        self.page_label.setObjectName("pdf_page_label")
        self.page_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.page_label.setMinimumWidth(120)
        self.fit_button = _big_button(self.tr("Whole page"), self, "pdf_fit")
        self.fit_button.setCheckable(True)
        self.fit_button.setToolTip(
            self.tr("Show the whole page instead of fitting the page to the width")
        )

        self.previous_button.clicked.connect(self.previous_page)
        self.next_button.clicked.connect(self.next_page)
        self.fit_button.toggled.connect(self._fit_toggled)
        self.view.pageNavigator().currentPageChanged.connect(self._page_changed)

        # Page Down/Up are also what presentation clickers send; the arrows only when the
        # page itself has the focus (in the list they move between materials).
        _shortcut(self, Qt.Key.Key_PageDown, self.next_page)
        _shortcut(self, Qt.Key.Key_PageUp, self.previous_page)
        inside = Qt.ShortcutContext.WidgetWithChildrenShortcut
        _shortcut(self.view, Qt.Key.Key_Right, self.next_page, inside)
        _shortcut(self.view, Qt.Key.Key_Left, self.previous_page, inside)

        bar = QHBoxLayout()
        bar.addWidget(self.previous_button)
        bar.addWidget(self.page_label)
        bar.addWidget(self.next_button)
        bar.addStretch(1)
        bar.addWidget(self.fit_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.view, 1)
        layout.addLayout(bar)
        self._update_page_label()

    def load(self, path: Path) -> bool:
        """Show ``path`` from its first page; False if it is not a readable PDF."""
        self.document.close()
        error = self.document.load(str(path))
        if error != QPdfDocument.Error.None_ or self.document.pageCount() < 1:
            log.warning("could not open PDF %s: %s", path, error)
            self.document.close()
            self._update_page_label()
            return False
        self.go_to(0)
        self._update_page_label()
        return True

    def close_document(self) -> None:
        self.document.close()

    def page_count(self) -> int:
        return self.document.pageCount()

    def current_page(self) -> int:
        """The page shown, counted from 0."""
        return self.view.pageNavigator().currentPage()

    def go_to(self, page: int) -> None:
        if 0 <= page < self.page_count():
            self.view.pageNavigator().jump(page, QPointF(), self.view.zoomFactor())

    @Slot()
    def next_page(self) -> None:
        self.go_to(self.current_page() + 1)

    @Slot()
    def previous_page(self) -> None:
        self.go_to(self.current_page() - 1)

    @Slot(bool)
    def _fit_toggled(self, whole_page: bool) -> None:
        self.view.setZoomMode(
            QPdfView.ZoomMode.FitInView if whole_page else QPdfView.ZoomMode.FitToWidth
        )

    @Slot(int)
    def _page_changed(self, _page: int) -> None:
        self._update_page_label()

    def _update_page_label(self) -> None:
        count = self.page_count()
        current = self.current_page() if count else -1
        text = self.tr("Page %1 of %2") if count else ""
        self.page_label.setText(_fill(text, current + 1, count))
        self.previous_button.setEnabled(count > 0 and current > 0)
        self.next_button.setEnabled(count > 0 and current < count - 1)


# -------------------------------------------------------------------------------------------
# Images


class ImageViewer(QLabel):
    """The picture scaled to fit the panel, keeping its shape, redrawn when the panel resizes."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("image_viewer")
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        # Ignored: the label must not ask the layout for the picture's full size, or a large
        # photo would push the panel wider than the screen.
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
        self.setMinimumSize(QSize(64, 64))
        self._original = QPixmap()

    def load(self, path: Path) -> bool:
        reader = QImageReader(str(path))
        reader.setAutoTransform(True)  # phone photos carry their rotation in EXIF
        image = reader.read()
        if image.isNull():
            log.warning("could not read image %s: %s", path, reader.errorString())
            self.clear_image()
            return False
        self._original = QPixmap.fromImage(image)
        self._rescale()
        return True

    def original_size(self) -> QSize:
        return self._original.size()

    def clear_image(self) -> None:
        self._original = QPixmap()
        self.clear()

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt override
        super().resizeEvent(event)
        self._rescale()

    def _rescale(self) -> None:
        if self._original.isNull():
            return
        self.setPixmap(
            self._original.scaled(
                self.contentsRect().size(),
                Qt.AspectRatioMode.KeepAspectRatio,
                Qt.TransformationMode.SmoothTransformation,
            )
        )


# -------------------------------------------------------------------------------------------
# Text


def script_font(base: QFont) -> QFont:
    """``base`` enlarged, with the installed Tibetan/Mongolian faces after its own families."""
    font = scaled(base, TEXT_POINT_FACTOR)
    installed = set(QFontDatabase.families())
    families = list(base.families()) or [base.family()]
    families += [name for name in SCRIPT_FAMILIES if name in installed and name not in families]
    font.setFamilies(families)
    return font


def scripts_without_font(text: str) -> list[str]:
    """Language codes ("bo", "mn") of letters in ``text`` that no installed font can show.

    Qt knows which fonts have Tibetan; it has no such list for Mongolian, so the faces that
    ship with Windows and Debian-based systems are looked for by name.
    """
    codes = {ord(ch) for ch in text}
    missing: list[str] = []
    if any(c in TIBETAN_LETTERS for c in codes) and not QFontDatabase.families(
        QFontDatabase.WritingSystem.Tibetan
    ):
        missing.append("bo")
    if any(c in MONGOLIAN_LETTERS for c in codes) and not (
        set(MONGOLIAN_FAMILIES) & set(QFontDatabase.families())
    ):
        missing.append("mn")
    return missing


class TextViewer(QPlainTextEdit):
    """Read-only text in a large font that can show Tibetan and Mongolian letters."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("text_viewer")
        self.setReadOnly(True)
        self.setFont(script_font(self.font()))
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        _touch_scrolling(self.viewport())
        self.missing_fonts: list[str] = []

    def load(self, path: Path) -> bool:
        try:
            text, truncated = read_text(path)
        except OSError as exc:
            log.warning("could not read text %s: %s", path, exc)
            return False
        if truncated:
            text += "\n\n" + self.tr("(Only the beginning of this long file is shown.)")
        self.setPlainText(text)
        self.missing_fonts = scripts_without_font(text)
        return True

    def font_hint(self) -> str:
        """What to tell the lecturer when some letters of the text will show as boxes."""
        hints = {
            "bo": self.tr(
                "This computer has no Tibetan font, so Tibetan letters show as empty boxes. "
                "The county IT staff can install one (for example Noto Serif Tibetan)."
            ),
            "mn": self.tr(
                "This computer has no Mongolian font, so Mongolian letters show as empty "
                "boxes. The county IT staff can install one (for example Noto Sans Mongolian)."
            ),
        }
        return "\n".join(hints[code] for code in self.missing_fonts)


# -------------------------------------------------------------------------------------------
# Audio and video


class MediaViewer(QWidget):
    """A player for audio and video: play/pause (Space), position, time and volume."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("media_viewer")
        self.player = QMediaPlayer(self)
        self.audio = QAudioOutput(self)
        self.player.setAudioOutput(self.audio)
        self.devices = QMediaDevices(self)

        self.video = QVideoWidget(self)
        self.video.setObjectName("video_widget")
        self.video.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.player.setVideoOutput(self.video)
        _answer_disconnects_without_python(self.player, self.audio, self.devices, self.video)
        # Shown instead of the picture for a recording without one.
        self.audio_label = QLabel(self)
        self.audio_label.setObjectName("audio_label")
        self.audio_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.audio_label.setWordWrap(True)
        self.audio_label.setFont(scaled(self.font(), 1.6, bold=True))
        self.audio_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Expanding)

        self.play_button = _big_button(self.tr("Play"), self, "media_play")
        self.play_button.setMinimumWidth(120)
        self.play_button.setToolTip(self.tr("Play or pause (Space)"))
        self.position_slider = QSlider(Qt.Orientation.Horizontal, self)
        self.position_slider.setObjectName("media_position")
        self.position_slider.setMinimumHeight(BUTTON_HEIGHT_PX)
        self.position_slider.setRange(0, 0)
        self.position_slider.setAccessibleName(self.tr("Position"))
        self.time_label = QLabel(self)
        self.time_label.setObjectName("media_time")
        self.volume_label = QLabel(self.tr("Volume"), self)
        self.volume_slider = QSlider(Qt.Orientation.Horizontal, self)
        self.volume_slider.setObjectName("media_volume")
        self.volume_slider.setMinimumHeight(BUTTON_HEIGHT_PX)
        self.volume_slider.setRange(0, 100)
        self.volume_slider.setValue(100)
        self.volume_slider.setFixedWidth(120)
        self.volume_slider.setAccessibleName(self.tr("Volume"))
        self.volume_label.setBuddy(self.volume_slider)
        self.no_sound_label = QLabel(
            self.tr("No speaker or headphones found: the sound cannot be heard."), self
        )
        self.no_sound_label.setObjectName("media_no_sound")
        self.no_sound_label.setWordWrap(True)

        self.play_button.clicked.connect(self.toggle_play)
        self.position_slider.sliderMoved.connect(self._slider_moved)
        self.volume_slider.valueChanged.connect(self._volume_changed)
        self.player.positionChanged.connect(self._position_changed)
        self.player.durationChanged.connect(self._duration_changed)
        self.player.playbackStateChanged.connect(self._state_changed)
        self.devices.audioOutputsChanged.connect(self._outputs_changed)
        # Only inside the player: window-wide, Space would stop working on the page's buttons.
        # The page puts the focus on Play when it opens a recording.
        _shortcut(
            self, Qt.Key.Key_Space, self.toggle_play, Qt.ShortcutContext.WidgetWithChildrenShortcut
        )

        bar = QHBoxLayout()
        bar.addWidget(self.play_button)
        bar.addWidget(self.position_slider, 1)
        bar.addWidget(self.time_label)
        bar.addSpacing(12)
        bar.addWidget(self.volume_label)
        bar.addWidget(self.volume_slider)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.video, 1)
        layout.addWidget(self.audio_label, 1)
        layout.addWidget(self.no_sound_label)
        layout.addLayout(bar)
        self._outputs_changed()
        self._update_time()

    def load(self, path: Path, *, video: bool, title: str = "") -> None:
        """Load ``path`` paused at its start (a video shows its first picture)."""
        self.player.stop()
        self.video.setVisible(video)
        self.audio_label.setVisible(not video)
        self.audio_label.setText(title)
        self.position_slider.setRange(0, 0)
        self.player.setSource(QUrl.fromLocalFile(str(path)))
        # Pausing a stopped player loads the file and shows the first frame, so the lecturer
        # sees what will play before pressing Play.
        self.player.pause()

    def unload(self) -> None:
        """Stop and let go of the file."""
        self.player.stop()
        self.player.setSource(QUrl())

    @Slot()
    def toggle_play(self) -> None:
        if self.player.playbackState() == QMediaPlayer.PlaybackState.PlayingState:
            self.player.pause()
        else:
            if self.player.mediaStatus() == QMediaPlayer.MediaStatus.EndOfMedia:
                self.player.setPosition(0)
            self.player.play()

    @Slot()
    def pause(self) -> None:
        if self.player.playbackState() == QMediaPlayer.PlaybackState.PlayingState:
            self.player.pause()

    @Slot(int)
    def _slider_moved(self, position: int) -> None:
        _set_property(self.player, "position", position)  # many calls while dragging

    @Slot(int)
    def _volume_changed(self, value: int) -> None:
        self.audio.setVolume(value / 100)

    @Slot("qlonglong")
    def _position_changed(self, position: int) -> None:
        # Called about 20 times a second while playing, for as long as a lecture lasts: see
        # _set_property for why the widgets are updated through their properties here.
        if not self.position_slider.isSliderDown() and self.position_slider.value() != position:
            _set_property(self.position_slider, "value", position)
        self._update_time()

    @Slot("qlonglong")
    def _duration_changed(self, duration: int) -> None:
        self.position_slider.setRange(0, max(0, duration))
        self._update_time()

    @Slot(QMediaPlayer.PlaybackState)
    def _state_changed(self, state: QMediaPlayer.PlaybackState) -> None:
        playing = state == QMediaPlayer.PlaybackState.PlayingState
        self.play_button.setText(self.tr("Pause") if playing else self.tr("Play"))
        icon = (
            QStyle.StandardPixmap.SP_MediaPause if playing else QStyle.StandardPixmap.SP_MediaPlay
        )
        self.play_button.setIcon(self.style().standardIcon(icon))

    @Slot()
    def _outputs_changed(self) -> None:
        # A headset plugged in after the app started: play through the new default output.
        outputs = QMediaDevices.audioOutputs()
        self.no_sound_label.setVisible(not outputs)
        if outputs:
            self.audio.setDevice(QMediaDevices.defaultAudioOutput())

    def _update_time(self) -> None:
        text = f"{format_time(self.player.position())} / {format_time(self.player.duration())}"
        if self.time_label.text() != text:
            _set_property(self.time_label, "text", text)


# -------------------------------------------------------------------------------------------
# The panel


class _FullScreenHost(QWidget):
    """A top-level window that holds the viewer while it fills the screen."""

    closed = Signal()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt override
        # Alt+F4 or the taskbar closes only the full-screen view, never the material.
        self.closed.emit()
        event.ignore()


class MaterialViewer(QWidget):
    """The viewer panel: a title, a message line, the viewer for the kind, and its buttons."""

    full_screen_changed = Signal(bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("material_viewer")
        self.path: Path | None = None
        self.kind = ""

        self.title_label = QLabel(self)
        self.title_label.setObjectName("viewer_title")
        self.title_label.setFont(scaled(self.font(), 1.3, bold=True))
        self.title_label.setWordWrap(True)
        self.notice_label = QLabel(self)
        self.notice_label.setObjectName("viewer_notice")
        self.notice_label.setWordWrap(True)
        self.notice_label.setFont(scaled(self.font(), 1.0, bold=True))
        palette = self.notice_label.palette()
        palette.setColor(QPalette.ColorRole.WindowText, NOTICE_COLOUR)
        self.notice_label.setPalette(palette)
        self.notice_label.hide()
        # Said by a viewer about what it shows (letters this computer has no font for).
        self.hint_label = QLabel(self)
        self.hint_label.setObjectName("viewer_hint")
        self.hint_label.setWordWrap(True)
        self.hint_label.hide()
        self.full_screen_button = _big_button(self.tr("Full screen"), self, "full_screen")
        self.full_screen_button.setCheckable(True)
        self.full_screen_button.setToolTip(self.tr("Fill the screen (F11); Esc to go back"))
        self.full_screen_button.setIcon(
            self.style().standardIcon(QStyle.StandardPixmap.SP_TitleBarMaxButton)
        )
        self.external_button = _big_button(self.tr("Open with another program"), self, "external")
        self.external_button.setToolTip(self.tr("Open the file with this computer's own program"))

        self.message_label = QLabel(self)
        self.message_label.setObjectName("viewer_message")
        self.message_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.message_label.setWordWrap(True)
        self.message_label.setFont(scaled(self.font(), 1.2))
        self.message_label.setMargin(24)
        self.pdf = PdfViewer(self)
        self.image = ImageViewer(self)
        self.text = TextViewer(self)
        self._media: MediaViewer | None = None
        self.stack = QStackedWidget(self)
        self.stack.setObjectName("viewer_stack")
        for widget in (self.message_label, self.pdf, self.image, self.text):
            self.stack.addWidget(widget)

        self.full_screen_button.toggled.connect(self.set_full_screen)
        self.external_button.clicked.connect(self._open_external_clicked)
        _shortcut(self, Qt.Key.Key_F11, self._toggle_full_screen)
        # Esc only means something while the viewer fills the screen.
        self._escape = _shortcut(self, Qt.Key.Key_Escape, self.leave_full_screen)
        self._escape.setEnabled(False)
        self._host: _FullScreenHost | None = None
        self._home_layout: QVBoxLayout | QHBoxLayout | None = None
        self._home_index = -1
        self._whole_page_before = False

        header = QHBoxLayout()
        header.addWidget(self.title_label, 1)
        header.addWidget(self.external_button, 0, Qt.AlignmentFlag.AlignTop)
        header.addWidget(self.full_screen_button, 0, Qt.AlignmentFlag.AlignTop)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addLayout(header)
        layout.addWidget(self.notice_label)
        layout.addWidget(self.hint_label)
        layout.addWidget(self.stack, 1)
        self.show_message("", self.tr("Choose a material on the left to show it here."))

    # -- what is shown -----------------------------------------------------------------------
    @property
    def media(self) -> MediaViewer:
        """The audio/video player, created the first time it is needed (see module docstring)."""
        if self._media is None:
            self._media = MediaViewer(self)
            self._media.player.errorOccurred.connect(self._media_failed)
            self.stack.addWidget(self._media)
        return self._media

    def has_media_player(self) -> bool:
        return self._media is not None

    def show_message(self, title: str, message: str) -> None:
        """A calm message in place of a viewer (nothing to show, or it cannot be shown)."""
        self._release()
        self.path = None
        self.kind = ""
        self.title_label.setText(title)
        self.message_label.setText(message)
        self.stack.setCurrentWidget(self.message_label)
        self.external_button.setEnabled(False)
        self.full_screen_button.setEnabled(bool(title))

    def show_file(self, path: Path, mime: str, title: str) -> bool:
        """Show ``path`` with the viewer for ``mime``; False (and a message) if it failed.

        Other types are opened with the computer's own program; the panel says so.
        """
        kind = viewer_kind(mime)
        self._release()
        self.set_notice("")
        if kind == KIND_OTHER:
            if not open_with_system(path):
                self.show_message(
                    title,
                    _fill(
                        self.tr(
                            "This computer has no program that opens this kind of file (%1). "
                            "Ask the county IT staff to install one, or show it on another "
                            "computer."
                        ),
                        path.suffix or mime,
                    ),
                )
                return False
            self.show_message(
                title,
                self.tr("It was opened with this computer's own program, in a window of its own."),
            )
        else:
            loaded = self._load(kind, path, title)
            if not loaded:
                self.show_message(
                    title,
                    self.tr(
                        "This file could not be shown here. It may be damaged; you can try "
                        "“Open with another program”."
                    ),
                )
                self.path = path
                self.external_button.setEnabled(True)
                return False
        self.path = path
        self.kind = kind
        self.title_label.setText(title)
        self.external_button.setEnabled(True)
        self.full_screen_button.setEnabled(True)
        return True

    def set_notice(self, text: str) -> None:
        """A line under the title: what happened when the material was opened."""
        self.notice_label.setText(text)
        self.notice_label.setVisible(bool(text))

    def pause(self) -> None:
        if self._media is not None:
            self._media.pause()

    def _load(self, kind: str, path: Path, title: str) -> bool:
        if kind == KIND_PDF:
            ok = self.pdf.load(path)
            widget: QWidget = self.pdf
        elif kind == KIND_IMAGE:
            ok = self.image.load(path)
            widget = self.image
        elif kind == KIND_TEXT:
            ok = self.text.load(path)
            widget = self.text
        else:
            self.media.load(path, video=kind == KIND_VIDEO, title=title)
            ok, widget = True, self.media
        if ok:
            self.stack.setCurrentWidget(widget)
            hint = self.text.font_hint() if kind == KIND_TEXT else ""
            self.hint_label.setText(hint)
            self.hint_label.setVisible(bool(hint))
        return ok

    def _release(self) -> None:
        """Let go of the file shown before (stop the player, close the PDF)."""
        if self._media is not None:
            self._media.unload()
        self.pdf.close_document()
        self.image.clear_image()
        self.text.clear()
        self.hint_label.hide()

    @Slot(QMediaPlayer.Error, str)
    def _media_failed(self, error: QMediaPlayer.Error, detail: str) -> None:
        if self._media is None or self.stack.currentWidget() is not self._media:
            return  # a late error about a recording that is no longer shown
        log.warning("could not play %s: %s (%s)", self.path, detail, error)
        path, title = self.path, self.title_label.text()
        self.show_message(
            title,
            self.tr(
                "This recording could not be played on this laptop. You can try “Open with "
                "another program”."
            ),
        )
        self.path = path
        self.external_button.setEnabled(path is not None)

    @Slot()
    def _open_external_clicked(self) -> None:
        if self.path is not None and not open_with_system(self.path):
            self.set_notice(self.tr("This computer has no program that opens this kind of file."))

    # -- full screen -----------------------------------------------------------------------
    def is_full_screen(self) -> bool:
        return self._host is not None

    @Slot(bool)
    def set_full_screen(self, on: bool) -> None:
        """Fill the screen with the viewer (its own window), or put it back in the page."""
        if on == self.is_full_screen():
            return
        if on:
            home = self.parentWidget()
            layout = home.layout() if home is not None else None
            if not isinstance(layout, QVBoxLayout | QHBoxLayout):
                log.warning("the viewer is not in a box layout; it cannot fill the screen")
                self.full_screen_button.setChecked(False)
                return
            self._home_layout, self._home_index = layout, layout.indexOf(self)
            # A child window of the main window, so it goes away with it.
            self._host = _FullScreenHost(self.window(), Qt.WindowType.Window)
            self._host.setObjectName("full_screen_host")
            # It is screen-sized anyway; a fixed minimum stops its layout from pushing size
            # hints to the window system on every change of what is shown.
            self._host.setMinimumSize(320, 240)
            self._host.setWindowTitle(self.title_label.text())
            self._host.closed.connect(self.leave_full_screen)
            host_layout = QVBoxLayout(self._host)
            host_layout.setContentsMargins(0, 0, 0, 0)
            host_layout.addWidget(self)
            # Shown to a tent, a slide is seen whole, not cut at the bottom.
            self._whole_page_before = self.pdf.fit_button.isChecked()
            self.pdf.fit_button.setChecked(True)
            self._host.showFullScreen()
            # Keys (Esc, Page Down from a clicker) must reach the full-screen window.
            self._host.activateWindow()
            self.full_screen_button.setText(self.tr("Leave full screen"))
        else:
            host, self._host = self._host, None
            if self._home_layout is not None:
                self._home_layout.insertWidget(self._home_index, self, 1)
            self.show()
            if host is not None:
                host.hide()
                host.deleteLater()
            self.window().activateWindow()
            self.pdf.fit_button.setChecked(self._whole_page_before)
            self.full_screen_button.setText(self.tr("Full screen"))
        self._escape.setEnabled(on)
        self.full_screen_button.setChecked(on)
        self.full_screen_button.setFocus()
        self.full_screen_changed.emit(on)

    @Slot()
    def _toggle_full_screen(self) -> None:
        if self.full_screen_button.isEnabled():
            self.full_screen_button.toggle()

    @Slot()
    def leave_full_screen(self) -> None:
        self.set_full_screen(False)

    def top_window(self) -> QWidget:
        """The window the viewer is in now (the full-screen one while it fills the screen)."""
        return self._host if self._host is not None else self.window()
