"""
HTTPS directly (issue 9): `radmap serve --tls-cert FILE --tls-key FILE` serves TLS 1.2/1.3 with
libmicrohttpd and GnuTLS; links name https://, the session cookie is Secure, and answers carry
Strict-Transport-Security. A plain-HTTP request to the port gets no answer; a missing, wrong or
mismatched key stops the start with a message that names the file.

The certificate is self-signed, made here with openssl (the openssl package comes with
ca-certificates; scripts/install-deps.sh lists it).
"""
import os
import re
import shutil
import socket
import subprocess
import time
import warnings

import pytest
import requests

from authutil import RADMAP_BIN, au_demo, radmap_env, run_radmap  # noqa: F401

pytestmark = pytest.mark.skipif(not shutil.which("openssl"), reason="openssl is needed to make a certificate")

LISTENING = re.compile(r"radmap: listening on https://127\.0\.0\.1:(\d+)/")


def make_cert(d, name="server"):
    key, cert = os.path.join(d, name + ".key"), os.path.join(d, name + ".pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                    "-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"], check=True, capture_output=True)
    os.chmod(key, 0o600)
    return cert, key


class TlsServer:
    def __init__(self, db, cert, key, args=()):
        self.log_path = db + ".tls-%d.log" % int(time.monotonic() * 1e6)
        self.log = open(self.log_path, "w+b")
        self.proc = subprocess.Popen([RADMAP_BIN, "serve", "--db", db, "--port", "0", "--bind", "127.0.0.1",
                                      "--threads", "2", "--tls-cert", cert, "--tls-key", key, *args],
                                     stdout=subprocess.DEVNULL, stderr=self.log, env=radmap_env())
        self.port = None
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and self.port is None:
            m = LISTENING.search(self.stderr())
            if m:
                self.port = int(m.group(1))
            elif self.proc.poll() is not None:
                break
            time.sleep(0.02)
        self.url = "https://127.0.0.1:%s" % self.port

    def stderr(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        return self.proc.returncode


@pytest.fixture(scope="module")
def tls(au_demo, tmp_path_factory):
    d = str(tmp_path_factory.mktemp("tls"))
    cert, key = make_cert(d)
    db = au_demo.copy("tls.db")
    name, password = au_demo.accounts["viewer"]
    s = TlsServer(db, cert, key)
    assert s.port, s.stderr()
    s.cert, s.key, s.dir, s.db, s.login = cert, key, d, db, (name, password)
    yield s
    assert s.stop() == 0, s.stderr()


def test_https_serves_with_the_certificate(tls):
    r = requests.get(tls.url + "/health", verify=tls.cert, timeout=10)
    assert r.status_code == 200 and r.json()["status"] == "ok"
    assert r.headers["Strict-Transport-Security"].startswith("max-age=")
    assert r.headers["X-Frame-Options"] == "DENY"
    # Links are https:// (the request came in over TLS).
    landing = requests.get(tls.url + "/", verify=tls.cert, timeout=10).json()
    hrefs = [l["href"] for l in landing["links"]]
    assert hrefs and all(h.startswith("https://127.0.0.1:%d/" % tls.port) for h in hrefs), hrefs[:3]
    # Unverified clients are refused by their own TLS stack: the certificate is really used.
    with pytest.raises(requests.exceptions.SSLError):
        requests.get(tls.url + "/health", timeout=10)


def test_session_cookie_is_secure_on_https(tls):
    name, password = tls.login
    r = requests.post(tls.url + "/auth/login", json={"name": name, "password": password}, verify=tls.cert, timeout=30)
    assert r.status_code == 200, r.text
    cookie = r.headers["Set-Cookie"]
    assert "; Secure" in cookie and "HttpOnly" in cookie, cookie


def test_plain_http_to_the_tls_port_gets_no_answer(tls):
    s = socket.create_connection(("127.0.0.1", tls.port), timeout=5)
    try:
        s.sendall(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        data = b""
        try:
            while True:
                b = s.recv(4096)
                if not b:
                    break
                data += b
        except (socket.timeout, ConnectionResetError):
            pass
    finally:
        s.close()
    assert b"HTTP/1.1 200" not in data
    assert requests.get(tls.url + "/health", verify=tls.cert, timeout=10).status_code == 200


def test_old_protocol_versions_are_refused(tls):
    import ssl
    ctx = ssl.create_default_context(cafile=tls.cert)
    ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    with socket.create_connection(("127.0.0.1", tls.port), timeout=5) as raw:
        with ctx.wrap_socket(raw, server_hostname="127.0.0.1") as s:
            assert s.version() == "TLSv1.2"
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.load_verify_locations(tls.cert)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            ctx.minimum_version = ssl.TLSVersion.TLSv1
            ctx.maximum_version = ssl.TLSVersion.TLSv1_1
        ctx.set_ciphers("ALL:@SECLEVEL=0")
    except (ValueError, ssl.SSLError):
        pytest.skip("this OpenSSL cannot even offer TLS 1.1")
    with socket.create_connection(("127.0.0.1", tls.port), timeout=5) as raw:
        with pytest.raises((ssl.SSLError, ConnectionResetError, OSError)):
            with ctx.wrap_socket(raw, server_hostname="127.0.0.1"):
                pass


def test_bad_tls_files_stop_the_start_with_a_clear_message(tls, tmp_path):
    other_cert, other_key = make_cert(str(tmp_path), "other")
    missing = str(tmp_path / "missing.key")
    not_pem = str(tmp_path / "not.pem")
    with open(not_pem, "w") as f:
        f.write("hello\n")
    cases = [
        ((tls.cert, missing), ["--tls-key", "missing.key"]),
        ((not_pem, tls.key), ["--tls-cert", "no PEM certificate"]),
        ((tls.cert, not_pem), ["--tls-key", "no PEM private key"]),
        ((tls.cert, other_key), ["matching certificate and key"]),
    ]
    for (cert, key), words in cases:
        p = subprocess.run([RADMAP_BIN, "serve", "--db", tls.db, "--port", "0", "--bind", "127.0.0.1", "--tls-cert",
                            cert, "--tls-key", key], capture_output=True, text=True, timeout=60, env=radmap_env())
        assert p.returncode == 1, (cert, key, p.stderr)
        for w in words:
            assert w in p.stderr, (w, p.stderr)
    p = subprocess.run([RADMAP_BIN, "serve", "--db", tls.db, "--tls-cert", tls.cert], capture_output=True, text=True,
                       timeout=60, env=radmap_env())
    assert p.returncode == 2 and "--tls-key" in p.stderr
