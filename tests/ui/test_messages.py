"""The messages a cadre sees for a refused action (``ui.messages.error_message``): a closed
session, a record that is gone, a value that is not valid each get their own calm text in
Chinese (and English), never the general "could not complete" one."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QApplication

from zhangye_desk.core.errors import (
    InvalidValueError,
    NotFoundError,
    SessionClosedError,
    StoreError,
)
from zhangye_desk.ui.messages import error_message

DOMAIN_ERRORS = [
    (SessionClosedError("session 0190 is closed"), "这个课堂已经结束", "This session is closed"),
    (NotFoundError("no person 0190"), "找不到这条记录", "The record is no longer there"),
    (
        InvalidValueError("latitude must be between -90 and 90", field="latitude"),
        "填写的内容有误",
        "Something entered is not valid",
    ),
]


@pytest.mark.parametrize(("exc", "zh_title", "en_title"), DOMAIN_ERRORS)
def test_domain_errors_get_their_own_chinese_message(
    zh_app: QApplication, exc: StoreError, zh_title: str, en_title: str
) -> None:
    title, text = error_message(exc)
    general_title, _ = error_message(StoreError("x"))
    assert title == zh_title != general_title
    assert "没有" in text  # says that nothing was changed or saved
    assert str(exc) not in text  # the English detail stays in the folded-away details


@pytest.mark.parametrize(("exc", "zh_title", "en_title"), DOMAIN_ERRORS)
def test_domain_errors_in_english(
    en_app: QApplication, exc: StoreError, zh_title: str, en_title: str
) -> None:
    title, text = error_message(exc)
    assert title == en_title
    assert "Nothing was" in text or "nothing was" in text
