"""HTTPS against real local servers: the trust store, the county CA, a laptop clock far off.

Certificates come from a throwaway county CA (tests/tlsutil.py, the ``openssl`` command). The
clock cases do not change the machine's clock: a server certificate whose validity starts years
from now (or ended years ago) is exactly what a laptop whose clock is years behind (or ahead)
sees.
"""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.integration.conftest import running_central
from tests.tlsutil import Ca, TlsProxy, issue, make_ca, tls_json_server, valid_now
from zhangye_desk.core.store import open_store
from zhangye_desk.paths import DATA_DIR_ENV, DataPaths
from zhangye_desk.sync import tls
from zhangye_desk.sync.engine import enrol, sync
from zhangye_desk.sync.errors import CertificateClockError, CertificateError
from zhangye_desk.sync.http import Backoff, SyncHttp

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def ca(tmp_path_factory: pytest.TempPathFactory) -> Ca:
    return make_ca(tmp_path_factory.mktemp("county-ca"))


def fetch(url: str, **kwargs: object) -> dict[str, object]:
    with SyncHttp(url, backoff=Backoff(max_failures=1), **kwargs) as http:  # type: ignore[arg-type]
        return http.call("GET", "/v1/sync/info").data


def test_county_ca_file_is_trusted_besides_the_system_store(ca: Ca) -> None:
    with tls_json_server(valid_now(ca)) as url:
        assert fetch(url, ca_file=ca.cert) == {"protocol": 1, "path": "/v1/sync/info"}


def test_a_certificate_from_an_unknown_ca_is_refused(ca: Ca) -> None:
    """Without the county CA the system store does not know it: refused, not the clock."""
    with tls_json_server(valid_now(ca, "unknown")) as url:
        with pytest.raises(CertificateError) as caught:
            fetch(url, ca_file=None)
    assert not isinstance(caught.value, CertificateClockError)
    assert caught.value.code == "certificate_error"


@pytest.mark.parametrize(
    ("name", "start", "end"),
    [
        # The laptop's clock is years behind: the certificate is "not yet valid".
        ("future", timedelta(days=3 * 365), timedelta(days=4 * 365)),
        # The laptop's clock is years ahead: the certificate "has expired".
        ("past", -timedelta(days=4 * 365), -timedelta(days=3 * 365)),
    ],
)
def test_a_clock_far_off_gets_the_clock_error(
    ca: Ca, name: str, start: timedelta, end: timedelta
) -> None:
    now = datetime.now(UTC)
    with tls_json_server(issue(ca, name, now + start, now + end)) as url:
        with pytest.raises(CertificateClockError) as caught:
            fetch(url, ca_file=ca.cert)
    assert caught.value.code == "certificate_clock"


def test_the_county_ca_is_found_in_the_environment_and_in_the_data_folder(
    ca: Ca, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    monkeypatch.setenv(DATA_DIR_ENV, str(data))
    monkeypatch.delenv(tls.CA_FILE_ENV, raising=False)
    assert tls.county_ca_file() is None
    with tls_json_server(valid_now(ca, "configured")) as url:
        with pytest.raises(CertificateError):
            fetch(url)  # nothing configured: the system store only
        (data / tls.COUNTY_CA_FILENAME).write_bytes(ca.cert.read_bytes())
        assert fetch(url)["protocol"] == 1
        (data / tls.COUNTY_CA_FILENAME).unlink()
        monkeypatch.setenv(tls.CA_FILE_ENV, str(ca.cert))
        assert fetch(url)["protocol"] == 1
        # A setting that names a missing file trusts nothing extra (and says so in the log).
        monkeypatch.setenv(tls.CA_FILE_ENV, str(tmp_path / "missing.pem"))
        with pytest.raises(CertificateError):
            fetch(url)


def test_the_cli_tells_the_user_to_set_the_clock(ca: Ca, tmp_path: Path) -> None:
    """``zhangye-desk enrol`` against a server whose certificate the clock makes invalid."""
    now = datetime.now(UTC)
    cert = issue(ca, "cli-future", now + timedelta(days=400), now + timedelta(days=800))
    with tls_json_server(cert) as url:
        result = subprocess.run(
            [
                sys.executable, "-m", "zhangye_desk.cli", "--data-dir", str(tmp_path / "data"),
                "enrol", "--server", url, "--code", "ABCD-EFGH",
            ],  # fmt: skip
            capture_output=True,
            text=True,
            timeout=120,
            cwd=REPO,
            env={"PATH": "/usr/bin:/bin", tls.CA_FILE_ENV: str(ca.cert), "HOME": str(tmp_path)},
        )
    assert result.returncode == 1
    assert "时间" in result.stderr and "Traceback" not in result.stderr, result.stderr


def test_the_county_ca_in_a_data_folder_given_explicitly_is_trusted(
    ca: Ca, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``--data-dir D`` (or the folder chosen at the first start): ``D/county-ca.pem`` counts
    for the enrolment and every sync, though D is neither the default folder nor the
    environment's."""
    monkeypatch.setenv(DATA_DIR_ENV, str(tmp_path / "elsewhere"))
    monkeypatch.delenv(tls.CA_FILE_ENV, raising=False)
    paths = DataPaths(tmp_path / "given").ensure()
    url = f"sqlite:///{tmp_path / 'server.sqlite3'}"
    with running_central(url, tmp_path, people=5) as central:
        with TlsProxy(valid_now(ca, "data-dir"), central.server.port) as proxy:
            server = proxy.url
            with open_store(paths, daily_backup=False) as store:
                with pytest.raises(CertificateError):
                    enrol(store.db, server, central.enrol_code())
                (paths.root / tls.COUNTY_CA_FILENAME).write_bytes(ca.cert.read_bytes())
                info = enrol(store.db, server, central.enrol_code())
                assert info["server_url"] == server
                receipt = sync(store.db, store.paths)
    assert receipt.people["upserted"] == 5  # the roster came over HTTPS
