"""Make the small demo lecture materials in this folder (run by hand; the build never runs it).

The files are committed, so neither the build nor the tests need the tools used here:

* ``grassland_policy_slides.pdf`` — three 16:9 slides in Chinese on 草原生态保护补助奖励政策,
  drawn with Qt's QPdfWriter + QPainter (the CJK font is embedded as a subset, so the PDF
  reads the same on a laptop without that font).
* ``welcome_cmn.wav`` — a Mandarin welcome read by espeak-ng (voice ``cmn-latn-pinyin``, fed
  tone-numbered pinyin), 16 kHz mono: 欢迎参加帐篷课堂。今天我们学习草原生态保护补助奖励政策。
* ``tent_classroom_card.mp4`` — a 4-second H.264/AAC title card (the card drawn with
  QPainter, encoded by ffmpeg with a fade and a short espeak-ng greeting as its sound).
* ``pasture_tent.png`` — a flat-colour illustration of tents and sheep under the Qilian
  mountains, drawn with QPainter.
* ``greetings.txt`` — UTF-8 greetings in Chinese, Tibetan script and traditional Mongolian
  script (Yugur has no common written form, so the file says to give that greeting aloud).
* ``manifest.json`` — one entry per file: file, title, topic, language, mime, priority,
  size, sha256 and, for audio and video, duration_s (measured with ffprobe).

Needs: the project virtualenv (PySide6), ``ffmpeg``/``ffprobe`` and ``espeak-ng`` on PATH
(Debian: ``apt-get install ffmpeg espeak-ng``), and a CJK font (fonts-wqy-microhei).

    QT_QPA_PLATFORM=offscreen .venv/bin/python resources/demo_materials/make_demo_materials.py
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from PySide6.QtCore import QMarginsF, QPointF, QRectF, QSizeF, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QGuiApplication,
    QImage,
    QPageLayout,
    QPageSize,
    QPainter,
    QPainterPath,
    QPdfWriter,
    QPen,
    QPolygonF,
)

HERE = Path(__file__).resolve().parent
CJK_FAMILIES = [
    "Microsoft YaHei UI",
    "Microsoft YaHei",
    "PingFang SC",
    "Noto Sans CJK SC",
    "WenQuanYi Micro Hei",
]

SKY = QColor("#4a90c8")
SNOW = QColor("#f4f7fa")
FAR = QColor("#2f5f86")
GRASS = QColor("#5da34a")
GRASS_DARK = QColor("#4b8c3b")
TENT = QColor("#fbfaf5")
TENT_SHADE = QColor("#dcd8cc")
RED = QColor("#c0392b")
INK = QColor("#1f2d3a")

SLIDES: list[tuple[str, list[str]]] = [
    (
        "政策要点",
        [
            "禁牧补助：对生态脆弱、退化严重的草原实行禁牧封育，按面积给予补助。",
            "草畜平衡奖励：禁牧区以外的草原核定合理载畜量，不超载的牧户给予奖励。",
            "绩效评价奖励：对草原保护工作成效突出的地方给予奖励。",
            "补助奖励资金通过“一卡通”直接发放到户，标准以县里公布的为准。",
        ],
    ),
    (
        "牧户需要做什么",
        [
            "按核定的载畜量养畜，不超载过牧。",
            "禁牧区内不放牧，配合草原管护员巡查。",
            "核对承包草场面积和补奖资金，有疑问找乡镇或县草原站。",
            "发现乱开垦、乱采挖或草原火情，及时报告。",
        ],
    ),
]

GREETINGS = """帐篷课堂 · 开场问候（演示材料）

汉语：各位牧民朋友，大家好！欢迎参加今天的帐篷课堂。
藏语（藏文）：བཀྲ་ཤིས་བདེ་ལེགས།
蒙古语（传统蒙古文）：ᠰᠠᠶᠢᠨ ᠪᠠᠶᠢᠨ᠎ᠠ ᠤᠤ
裕固语：裕固语没有通行的文字，请由会说裕固语的宣讲员当面问候。

本文件为张掖流动课堂的演示材料，仅供测试使用。
"""

# What the clips say, and the tone-numbered pinyin espeak-ng reads: Debian's espeak-ng reads
# many characters as English letters with its plain ``cmn`` voice, so we give it pinyin.
WELCOME_SPEECH = (
    "欢迎参加帐篷课堂。今天我们学习草原生态保护补助奖励政策。",
    "huan1 ying2 can1 jia1 zhang4 peng5 ke4 tang2. jin1 tian1 wo3 men5 xue2 xi2 "
    "cao3 yuan2 sheng1 tai4 bao3 hu4 bu3 zhu4 jiang3 li4 zheng4 ce4.",
)
CARD_SPEECH = ("帐篷课堂，欢迎收看。", "zhang4 peng5 ke4 tang2, huan1 ying2 shou1 kan4.")


def font(pixel_size: int, *, bold: bool = False) -> QFont:
    f = QFont()
    f.setFamilies(CJK_FAMILIES)
    f.setPixelSize(pixel_size)
    f.setBold(bold)
    return f


def draw_landscape(p: QPainter, rect: QRectF, *, tents: int = 1, sheep: int = 0) -> None:
    """Sky, snow-capped mountains, pasture, tents and sheep, scaled into ``rect``."""
    w, h, x0, y0 = rect.width(), rect.height(), rect.left(), rect.top()

    def pt(fx: float, fy: float) -> QPointF:
        return QPointF(x0 + fx * w, y0 + fy * h)

    p.save()
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(SKY)
    p.drawRect(rect)
    p.setBrush(QColor("#f6c945"))
    p.drawEllipse(pt(0.82, 0.2), 0.045 * w, 0.045 * w)
    ridge = [(0, 0.62), (0.2, 0.3), (0.36, 0.5), (0.55, 0.22), (0.78, 0.55), (1, 0.4)]
    p.setBrush(FAR)
    p.drawPolygon(QPolygonF([pt(*xy) for xy in ridge] + [pt(1, 0.8), pt(0, 0.8)]))
    # Snow on the two high peaks: the top 25% of each slope, with a jagged lower edge.
    p.setBrush(SNOW)
    for i in (1, 3):
        (lx, ly), (tx, ty), (rx, ry) = ridge[i - 1], ridge[i], ridge[i + 1]

        def along(x: float, y: float, t: float, tx: float = tx, ty: float = ty) -> QPointF:
            return pt(tx + (x - tx) * t, ty + (y - ty) * t)

        p.drawPolygon(
            QPolygonF(
                [pt(tx, ty), along(rx, ry, 0.28), along(rx, ry, 0.16) + QPointF(-0.012 * w, 0),
                 pt(tx, ty + 0.06), along(lx, ly, 0.16) + QPointF(0.012 * w, 0),
                 along(lx, ly, 0.25)]
            )
        )  # fmt: skip
    for colour, top in ((GRASS, 0.66), (GRASS_DARK, 0.8)):
        path = QPainterPath(pt(0, top))
        path.quadTo(pt(0.3, top - 0.08), pt(0.55, top - 0.01))
        path.quadTo(pt(0.8, top + 0.05), pt(1, top - 0.03))
        path.lineTo(pt(1, 1))
        path.lineTo(pt(0, 1))
        path.closeSubpath()
        p.setBrush(colour)
        p.drawPath(path)
    for i in range(tents):
        cx, base, half, height = 0.3 + 0.22 * i, 0.82 - 0.03 * i, 0.07 - 0.01 * i, 0.22 - 0.03 * i
        p.setBrush(TENT)
        p.drawPolygon(QPolygonF([pt(cx, base - height), pt(cx + half, base), pt(cx - half, base)]))
        p.setBrush(TENT_SHADE)
        p.drawPolygon(
            QPolygonF([pt(cx, base - height), pt(cx + half, base), pt(cx + half * 0.45, base)])
        )
        p.setBrush(RED)
        p.drawPolygon(
            QPolygonF(
                [pt(cx, base - height * 0.6), pt(cx + half * 0.3, base), pt(cx - half * 0.3, base)]
            )
        )
    flock = [(0.62, 0.88), (0.69, 0.91), (0.76, 0.87), (0.83, 0.92), (0.66, 0.94),
             (0.74, 0.95), (0.9, 0.89), (0.86, 0.95)]  # fmt: skip
    for sx, sy in flock[:sheep]:
        p.setPen(QPen(INK, max(1.0, 0.004 * w)))
        for leg in (-0.009, 0.009):
            p.drawLine(pt(sx + leg, sy), pt(sx + leg, sy + 0.035))
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(QColor("#f7f3ea"))
        p.drawEllipse(pt(sx, sy), 0.02 * w, 0.012 * w)
        p.setBrush(INK)
        p.drawEllipse(pt(sx + 0.021, sy - 0.012), 0.007 * w, 0.005 * w)
    p.restore()


def make_pdf(target: Path) -> None:
    writer = QPdfWriter(str(target))
    writer.setTitle("草原生态保护补助奖励政策（演示材料）")
    writer.setCreator("Zhangye Desk make_demo_materials.py")
    writer.setResolution(96)
    writer.setPageLayout(
        QPageLayout(
            QPageSize(QSizeF(254, 142.875), QPageSize.Unit.Millimeter, "16:9 slide"),
            QPageLayout.Orientation.Portrait,
            QMarginsF(0, 0, 0, 0),
        )
    )
    p = QPainter(writer)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    page = QRectF(0, 0, 960, 540)

    # Slide 1: title over the landscape.
    draw_landscape(p, page, tents=2, sheep=4)
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(QColor(255, 255, 255, 225))
    p.drawRoundedRect(QRectF(90, 70, 780, 190), 18, 18)
    p.setPen(INK)
    p.setFont(font(50, bold=True))
    p.drawText(QRectF(90, 90, 780, 80), Qt.AlignmentFlag.AlignCenter, "草原生态保护补助奖励政策")
    p.setFont(font(26))
    p.drawText(QRectF(90, 175, 780, 60), Qt.AlignmentFlag.AlignCenter, "帐篷课堂 · 政策宣讲提纲")
    p.setFont(font(18))
    p.setPen(QColor("white"))
    p.drawText(
        QRectF(24, 500, 600, 30),
        Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
        "肃南裕固族自治县 · 演示材料",
    )

    for number, (heading, points) in enumerate(SLIDES, start=2):
        writer.newPage()
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(QColor("#fbfaf5"))
        p.drawRect(page)
        draw_landscape(p, QRectF(0, 0, 960, 96))
        p.setBrush(QColor(255, 255, 255, 215))
        p.drawRect(QRectF(0, 24, 960, 56))
        p.setPen(INK)
        p.setFont(font(34, bold=True))
        p.drawText(QRectF(60, 24, 840, 56), Qt.AlignmentFlag.AlignVCenter, heading)
        p.setFont(font(27))
        y = 140.0
        for point in points:
            p.setBrush(RED)
            p.setPen(Qt.PenStyle.NoPen)
            p.drawEllipse(QPointF(76, y + 20), 7, 7)
            p.setPen(INK)
            box = QRectF(100, y, 800, 90)
            flags = (
                Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop | Qt.TextFlag.TextWordWrap
            )
            used = p.boundingRect(box, int(flags), point)
            p.drawText(box, int(flags), point)
            y += used.height() + 26
        p.setFont(font(16))
        p.setPen(QColor("#6b7785"))
        p.drawText(
            QRectF(60, 500, 840, 30),
            Qt.AlignmentFlag.AlignVCenter,
            f"{number} / {len(SLIDES) + 1}    演示材料 · 仅供张掖流动课堂测试使用",
        )
    p.end()


def make_image(target: Path) -> None:
    image = QImage(960, 540, QImage.Format.Format_RGB32)
    p = QPainter(image)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    draw_landscape(p, QRectF(0, 0, 960, 540), tents=3, sheep=8)
    p.setPen(QColor("white"))
    p.setFont(font(30, bold=True))
    p.drawText(QRectF(40, 30, 600, 50), Qt.AlignmentFlag.AlignVCenter, "祁连山下的帐篷课堂")
    p.end()
    image.save(str(target))


def make_card(target: Path) -> None:
    image = QImage(640, 360, QImage.Format.Format_RGB32)
    p = QPainter(image)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    draw_landscape(p, QRectF(0, 0, 640, 360), tents=1, sheep=4)
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(QColor(255, 255, 255, 225))
    p.drawRoundedRect(QRectF(110, 40, 420, 110), 14, 14)
    p.setPen(INK)
    p.setFont(font(40, bold=True))
    p.drawText(QRectF(110, 46, 420, 60), Qt.AlignmentFlag.AlignCenter, "帐篷课堂")
    p.setFont(font(20))
    p.drawText(QRectF(110, 100, 420, 40), Qt.AlignmentFlag.AlignCenter, "张掖流动课堂 · 演示视频")
    p.end()
    image.save(str(target))


def run(*args: str | Path) -> str:
    result = subprocess.run(
        [str(a) for a in args], check=True, capture_output=True, text=True, encoding="utf-8"
    )
    return result.stdout


def speak(speech: tuple[str, str], target: Path) -> None:
    """Read ``speech`` (hanzi, pinyin) in Mandarin into a WAV file."""
    _hanzi, pinyin = speech
    run("espeak-ng", "-v", "cmn-latn-pinyin", "-s", "170", "-w", target, pinyin)


def make_audio(target: Path, tmp: Path) -> None:
    raw = tmp / "welcome_raw.wav"
    speak(WELCOME_SPEECH, raw)
    # 16 kHz mono with a short fade, so the clip is small and starts and ends softly.
    run(
        "ffmpeg", "-y", "-loglevel", "error", "-i", raw,
        "-af", "afade=t=in:d=0.05,areverse,afade=t=in:d=0.2,areverse",
        "-ar", "16000", "-ac", "1", "-c:a", "pcm_s16le", "-map_metadata", "-1", target,
    )  # fmt: skip


def make_video(target: Path, tmp: Path, seconds: float = 4.0) -> None:
    card = tmp / "card.png"
    make_card(card)
    voice = tmp / "card_voice.wav"
    speak(CARD_SPEECH, voice)
    run(
        "ffmpeg", "-y", "-loglevel", "error",
        "-loop", "1", "-framerate", "25", "-i", card,
        "-i", voice,
        "-filter_complex",
        f"[0:v]fade=t=in:d=0.5,fade=t=out:st={seconds - 0.5}:d=0.5,format=yuv420p[v];"
        f"[1:a]adelay=400|400,apad,atrim=0:{seconds},aresample=44100[a]",
        "-map", "[v]", "-map", "[a]", "-t", str(seconds),
        "-c:v", "libx264", "-profile:v", "main", "-preset", "veryslow", "-crf", "30",
        "-c:a", "aac", "-b:a", "48k", "-ac", "1",
        "-movflags", "+faststart", "-map_metadata", "-1", target,
    )  # fmt: skip


def duration(path: Path) -> float:
    out = run("ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", path)
    return round(float(out.strip()), 2)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def main() -> int:
    missing = [tool for tool in ("ffmpeg", "ffprobe", "espeak-ng") if shutil.which(tool) is None]
    if missing:
        print(f"missing tools: {', '.join(missing)} (apt-get install ffmpeg espeak-ng)")
        return 1
    app = QGuiApplication(sys.argv[:1])
    entries = [
        {
            "file": "grassland_policy_slides.pdf",
            "title": "草原生态保护补助奖励政策（宣讲提纲）",
            "topic": "草原生态保护",
            "language": "zh",
            "mime": "application/pdf",
            "priority": 10,
        },
        {
            "file": "welcome_cmn.wav",
            "title": "帐篷课堂开场语音",
            "topic": "草原生态保护",
            "language": "zh",
            "mime": "audio/wav",
            "priority": 8,
        },
        {
            "file": "tent_classroom_card.mp4",
            "title": "帐篷课堂片头视频",
            "topic": "帐篷课堂",
            "language": "zh",
            "mime": "video/mp4",
            "priority": 5,
        },
        {
            "file": "pasture_tent.png",
            "title": "祁连山下的帐篷课堂（插图）",
            "topic": "帐篷课堂",
            "language": "zh",
            "mime": "image/png",
            "priority": 3,
        },
        {
            "file": "greetings.txt",
            "title": "多语种开场问候语",
            "topic": "民族团结",
            "language": "mul",
            "mime": "text/plain; charset=utf-8",
            "priority": 2,
        },
    ]
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        make_pdf(HERE / "grassland_policy_slides.pdf")
        make_audio(HERE / "welcome_cmn.wav", tmp)
        make_video(HERE / "tent_classroom_card.mp4", tmp)
        make_image(HERE / "pasture_tent.png")
        (HERE / "greetings.txt").write_text(GREETINGS, encoding="utf-8", newline="\n")
    for entry in entries:
        path = HERE / str(entry["file"])
        entry["size"] = path.stat().st_size
        entry["sha256"] = sha256(path)
        if str(entry["mime"]).startswith(("audio/", "video/")):
            entry["duration_s"] = duration(path)
    manifest = json.dumps(entries, ensure_ascii=False, indent=2) + "\n"
    (HERE / "manifest.json").write_text(manifest, encoding="utf-8", newline="\n")
    total = sum(int(str(e["size"])) for e in entries)
    print(f"wrote {len(entries)} materials, {total / 1024:.0f} KiB in {HERE}")
    del app
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
