"""What a refused request says (server/error_texts.py): every ServiceError the service
functions can raise has its own Chinese and English text, and the command line shows it
instead of the English message."""

from __future__ import annotations

import ast
import shutil
from pathlib import Path

import pytest

from tests.server.test_cli import initialised_db, run_cli
from zhangye_desk.server import admin, auth, error_texts, service
from zhangye_desk.server.errors import ServiceError

__all__ = ["initialised_db"]  # the module fixture, shared with test_cli

RAISING = (service, admin, auth)
CLASS_CODES = {"ServiceError": "invalid", "NotFound": "not_found", "Forbidden": "forbidden"}
TEXT_HELPERS = {"_optional_text": 0, "_clean_text": 1}  # helper → position of its field


def _keyword(call: ast.Call, name: str) -> ast.expr | None:
    return next((k.value for k in call.keywords if k.arg == name), None)


def _raises(tree: ast.AST) -> list[ast.Call]:
    calls = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call):
            func = node.exc.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name in CLASS_CODES:
                calls.append(node.exc)
    return calls


def _helper_fields(tree: ast.AST) -> set[str]:
    """Field names passed to the text helpers (their raise says ``field=field``)."""
    fields = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", "") in TEXT_HELPERS:
            arg = node.args[TEXT_HELPERS[node.func.id]]  # type: ignore[attr-defined]
            if isinstance(arg, ast.Constant):
                fields.add(arg.value)
    return fields


def test_every_service_error_has_its_own_text_in_both_languages() -> None:
    missing: list[str] = []
    for module in RAISING:
        tree = ast.parse(Path(str(module.__file__)).read_text(encoding="utf-8"))
        dynamic = set(service.PERSON_FIELDS) | _helper_fields(tree)
        for call in _raises(tree):
            where = f"{Path(str(module.__file__)).name}:{call.lineno}"
            name = call.func.attr if isinstance(call.func, ast.Attribute) else call.func.id  # type: ignore[attr-defined]
            code_node = _keyword(call, "code")
            code = code_node.value if isinstance(code_node, ast.Constant) else CLASS_CODES[name]
            if code != "invalid":
                if code not in error_texts.TEXTS:
                    missing.append(f"{where} code {code}")
                continue
            field = _keyword(call, "field")
            if isinstance(field, ast.Constant):
                fields = {field.value}
            elif isinstance(field, ast.Name) and field.id == "field":
                fields = dynamic
            else:
                missing.append(f"{where}: a field that is not a literal needs a code")
                continue
            missing += [
                f"{where} field {f}" for f in fields if f"field.{f}" not in error_texts.TEXTS
            ]
    assert missing == []
    for key, (zh, en) in error_texts.TEXTS.items():
        assert zh.strip() and en.strip(), key
        assert any("\u4e00" <= ch <= "\u9fff" for ch in zh), key


def test_an_unforeseen_error_gets_the_general_text_not_the_english_message() -> None:
    exc = ServiceError("frobnication failed", field="frob")
    assert error_texts.key_for(exc) == "generic"
    assert "frobnication" not in error_texts.describe("zh_CN", exc)
    assert error_texts.describe("zh_CN", exc).startswith("提交的内容不正确")


@pytest.fixture
def db_url(initialised_db: Path, tmp_path: Path) -> str:
    copy = tmp_path / "server.sqlite3"
    shutil.copy(initialised_db, copy)
    return f"sqlite:///{copy}"


def test_the_command_line_says_what_is_wrong_in_chinese_or_english(
    db_url: str, tmp_path: Path
) -> None:
    lecture = tmp_path / "lecture.pdf"
    lecture.write_bytes(b"%PDF-1.4 lecture")
    files = str(tmp_path / "files")
    publish = ("publish-material", str(lecture), "--files", files, "--db", db_url)

    no_title = run_cli(*publish, "--title", "   ")
    assert no_title.returncode == 1
    assert "请填写标题" in no_title.stderr
    assert "must not be empty" not in no_title.stderr

    long_topic = run_cli(*publish, "--title", "讲座", "--topic", "安" * 101, "--lang", "en")
    assert long_topic.returncode == 1
    assert "The topic may have at most 100 characters" in long_topic.stderr
    assert "longer than" not in long_topic.stderr

    no_name = run_cli("create-admin", "  ", "--password-stdin", "--db", db_url, stdin="a-good-pw\n")
    assert no_name.returncode == 1
    assert "管理员用户名不能为空" in no_name.stderr
