#!/usr/bin/env python3
"""Published-artifact serving benchmark: Quire's usercontent listener against nginx serving
the same bytes from disk, both on loopback, measured with wrk in one run.

Run from anywhere: `python3 bench/serve/run.py` (needs `wrk` and `nginx` on PATH; on Debian
`apt-get install wrk nginx-light`). It starts `quire serve --demo` on a fresh data directory
(the demo page `orders` is built from the dashboard template and published), asks the API for
a signed `regular` frame URL, saves the artifact it serves to disk for nginx, then runs wrk
against each server and prints a table.

Environment: QUIRE_BIN (default target/release/quire; build it with
`cargo build --release -p quire`), DURATION (seconds per run, default 10), CONNECTIONS
(default 64), THREADS (wrk threads, default 2). The npm packages the demo page needs are
taken from the tests' shared store (target/tmp/quire-test-npm-store) when it exists, else
fetched from the configured registry.
"""

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
QUIRE = os.environ.get("QUIRE_BIN", os.path.join(ROOT, "target", "release", "quire"))
DURATION = int(os.environ.get("DURATION", "10"))
CONNECTIONS = int(os.environ.get("CONNECTIONS", "64"))
THREADS = int(os.environ.get("THREADS", "2"))
SHARED_NPM = os.path.join(ROOT, "target", "tmp", "quire-test-npm-store")
EMAIL, PASSWORD = "bench@example.com", "a long enough password"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url, seconds=120):
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    sys.exit(f"{url} did not answer within {seconds} s")


def wrk(url):
    out = subprocess.run(
        ["wrk", f"-t{THREADS}", f"-c{CONNECTIONS}", f"-d{DURATION}s", "--latency", url],
        check=True, capture_output=True, text=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    transfer = re.search(r"Transfer/sec:\s+([\d.]+\w+)", out).group(1)
    p50 = re.search(r"50%\s+([\d.]+\w+)", out).group(1)
    p99 = re.search(r"99%\s+([\d.]+\w+)", out).group(1)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return rps, transfer, p50, p99, int(errors.group(1)) if errors else 0


def main():
    for tool in ("wrk", "nginx"):
        if not shutil.which(tool):
            sys.exit(f"{tool} is not installed: apt-get install wrk nginx-light")
    if not os.access(QUIRE, os.X_OK):
        sys.exit(f"no quire binary at {QUIRE}: cargo build --release -p quire, or set QUIRE_BIN")
    work = tempfile.mkdtemp(prefix="quire-bench-serve-")
    os.chmod(work, 0o755)  # nginx's workers run as another user when started by root
    data = os.path.join(work, "data")
    os.makedirs(os.path.join(data, "npm"))
    for part in ("packages", "packuments"):
        if os.path.isdir(os.path.join(SHARED_NPM, part)):
            subprocess.run(["cp", "-al", os.path.join(SHARED_NPM, part),
                            os.path.join(data, "npm")], check=True)
    app_port, uc_port, nginx_port, nginx_copy_port = (free_port() for _ in range(4))
    # Listen addresses through the environment, so the URLs the server signs follow them.
    env = dict(os.environ, QUIRE_ADMIN_EMAIL=EMAIL, QUIRE_ADMIN_PASSWORD=PASSWORD,
               QUIRE_LOG="warn", QUIRE_LISTEN=f"127.0.0.1:{app_port}",
               QUIRE_USERCONTENT_LISTEN=f"127.0.0.1:{uc_port}")
    env.pop("QUIRE_DATABASE_URL", None)
    quire = subprocess.Popen(
        [QUIRE, "--data-dir", data, "serve", "--demo"],
        env=env, stdout=subprocess.DEVNULL)
    nginx = None
    try:
        app = f"http://127.0.0.1:{app_port}"
        wait_for(f"{app}/readyz")
        token = subprocess.run(
            [QUIRE, "--data-dir", data, "token", "create", "--email", EMAIL, "--name", "bench"],
            env=env, check=True, capture_output=True, text=True).stdout.strip()
        request = urllib.request.Request(
            f"{app}/api/v1/projects/demo/pages/orders/frame",
            data=json.dumps({"mode": "regular"}).encode(), method="POST",
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request) as r:
                frame = json.load(r)
        except urllib.error.HTTPError as e:
            sys.exit(f"could not open the demo page ({e.code}): {e.read().decode()}\n"
                     "did it build? the npm registry must be reachable on first start")
        quire_url = frame["url"].split("#")[0]
        with urllib.request.urlopen(quire_url) as r:
            html = r.read()
            headers = dict(r.headers)
        root = os.path.join(work, "www")
        os.makedirs(root)
        with open(os.path.join(root, "artifact.html"), "wb") as f:
            f.write(html)
        conf = os.path.join(work, "nginx.conf")
        with open(conf, "w") as f:
            f.write(f"""
worker_processes auto;
pid {work}/nginx.pid;
error_log {work}/nginx-error.log warn;
daemon off;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 100000;
    client_body_temp_path {work}/body;
    proxy_temp_path {work}/proxy;
    fastcgi_temp_path {work}/fastcgi;
    uwsgi_temp_path {work}/uwsgi;
    scgi_temp_path {work}/scgi;
    server {{
        listen 127.0.0.1:{nginx_port};
        root {root};
        location = /artifact.html {{
            default_type "text/html; charset=utf-8";
            add_header Content-Security-Policy "{headers.get('Content-Security-Policy', '')}";
            add_header X-Content-Type-Options nosniff;
            add_header Cache-Control "private, max-age=600";
            add_header Referrer-Policy no-referrer;
        }}
    }}
    # The same without sendfile: the body goes through user space, as Quire's does.
    server {{
        listen 127.0.0.1:{nginx_copy_port};
        root {root};
        sendfile off;
        location = /artifact.html {{
            default_type "text/html; charset=utf-8";
        }}
    }}
}}
""")
        nginx = subprocess.Popen(["nginx", "-c", conf, "-p", work],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        nginx_url = f"http://127.0.0.1:{nginx_port}/artifact.html"
        wait_for(nginx_url)

        print(f"artifact: {len(html):,} bytes; wrk -t{THREADS} -c{CONNECTIONS} -d{DURATION}s; "
              f"{os.cpu_count()} CPUs shared by both servers and wrk")
        rows = []
        for name, url in (("quire usercontent (signed URL, HMAC check, in-memory)", quire_url),
                          ("nginx (static file, sendfile)", nginx_url),
                          ("nginx (static file, sendfile off)",
                           f"http://127.0.0.1:{nginx_copy_port}/artifact.html")):
            wrk(url) if DURATION > 2 else None  # warm-up pass; the numbers below are a fresh run
            rows.append((name, *wrk(url)))
        print(f"{'server':<56} {'req/s':>10} {'transfer/s':>11} {'p50':>9} {'p99':>9} {'non-2xx':>8}")
        for name, rps, transfer, p50, p99, errors in rows:
            print(f"{name:<56} {rps:>10,.0f} {transfer:>11} {p50:>9} {p99:>9} {errors:>8}")
        print(f"quire / nginx: {rows[0][1] / rows[1][1]:.2f}; "
              f"quire / nginx without sendfile: {rows[0][1] / rows[2][1]:.2f}")
    finally:
        if nginx:
            nginx.terminate()
            nginx.wait()
        quire.terminate()
        quire.wait()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
