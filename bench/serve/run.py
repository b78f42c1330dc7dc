#!/usr/bin/env python3
"""Published-artifact serving benchmark: Quire's usercontent listener against nginx serving
the same bytes from disk, both on loopback, measured with wrk in one run. Figures and what
they mean: README.md beside this file.

Run from anywhere: `python3 bench/serve/run.py` (needs `wrk` and `nginx` on PATH; on Debian
`apt-get install wrk nginx-light`, and `libnginx-mod-http-brotli-static` for the brotli rows).
It starts `quire serve --demo` on a fresh data directory (the demo page `orders` is built from
the dashboard template and published), asks the API for a signed `regular` frame URL, saves
the bodies Quire serves for it (identity, gzip and, once Quire has made it, brotli) to disk
for nginx (`gzip_static`, `brotli_static`), then runs wrk against each server with and without
`Accept-Encoding`. Rounds interleave the servers, so load from elsewhere on the machine falls
on all of them; each row is the round with the median req/s. CPU/req is the server's own CPU
time (all threads; nginx's master and workers) over the requests wrk completed; on loopback it
includes the kernel's work of delivering the bytes to wrk, which falls on the sender.

Environment: QUIRE_BIN (default target/release/quire; build it with
`cargo build --release -p quire`), DURATION (seconds per run, default 10), ROUNDS (default 3),
CONNECTIONS (default 64), THREADS (wrk threads, default 2). The npm packages the demo page
needs are taken from the tests' shared store (target/tmp/quire-test-npm-store) when it exists,
else fetched from the configured registry. A Quire build that does not compress gets the
identity rows only.
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
ROUNDS = int(os.environ.get("ROUNDS", "3"))
BROTLI_MODULE = "/usr/lib/nginx/modules/ngx_http_brotli_static_module.so"
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


def cpu_seconds(pid):
    """User and system CPU time of process `pid` and of its children that are running (nginx's
    workers), all threads included."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    total = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            children = f.read().split()
    except OSError:
        children = []
    return total + sum(cpu_seconds(int(child)) for child in children)


def wrk(url, encoding, server_pid):
    """req/s, transfer/s, p50, p99, non-2xx responses and the server's CPU µs per request."""
    headers = ["-H", f"Accept-Encoding: {encoding}"] if encoding else []
    cpu_before = cpu_seconds(server_pid)
    out = subprocess.run(
        ["wrk", f"-t{THREADS}", f"-c{CONNECTIONS}", f"-d{DURATION}s", "--latency", *headers, url],
        check=True, capture_output=True, text=True).stdout
    cpu = cpu_seconds(server_pid) - cpu_before
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    requests = int(re.search(r"(\d+) requests in", out).group(1))
    transfer = re.search(r"Transfer/sec:\s+([\d.]+\w+)", out).group(1)
    p50 = re.search(r"50%\s+([\d.]+\w+)", out).group(1)
    p99 = re.search(r"99%\s+([\d.]+\w+)", out).group(1)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return (rps, transfer, p50, p99, int(errors.group(1)) if errors else 0,
            cpu * 1e6 / max(requests, 1))


def fetch(url, encoding=None):
    """The body and headers of `url`, asking for `encoding`."""
    request = urllib.request.Request(url, headers={"Accept-Encoding": encoding or "identity"})
    with urllib.request.urlopen(request) as r:
        return r.read(), {k.lower(): v for k, v in r.headers.items()}


def fetch_encoded(url, encoding, seconds=60):
    """The body Quire serves with `encoding`; `None` if it never does (a build from before
    compression). Quire makes its brotli copy in the background: ask until it is served."""
    deadline = time.time() + seconds
    while True:
        body, headers = fetch(url, encoding)
        if headers.get("content-encoding") == encoding:
            return body
        if time.time() > deadline:
            print(f"quire did not serve Content-Encoding: {encoding} within {seconds} s; "
                  "no rows for it", file=sys.stderr)
            return None
        time.sleep(0.2)


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
        html, headers = fetch(quire_url)
        root = os.path.join(work, "www")
        os.makedirs(root)
        # The very bytes Quire serves for each coding, so both servers send the same bodies.
        bodies = {"": html}
        gzip = fetch_encoded(quire_url, "gzip", seconds=5)
        if gzip:
            bodies[".gz"] = gzip
        brotli = gzip and os.path.exists(BROTLI_MODULE) and fetch_encoded(quire_url, "br")
        if brotli:
            bodies[".br"] = brotli
        for suffix, body in bodies.items():
            with open(os.path.join(root, "artifact.html" + suffix), "wb") as f:
                f.write(body)
        security_headers = "\n".join(
            f'            add_header {name} "{headers[name.lower()]}";'
            for name in ("Content-Security-Policy", "X-Content-Type-Options", "Cache-Control",
                         "Referrer-Policy"))
        conf = os.path.join(work, "nginx.conf")
        with open(conf, "w") as f:
            f.write(f"""
{f"load_module {BROTLI_MODULE};" if brotli else ""}
# auto = one worker per CPU, as Quire's runtime has one worker thread per CPU.
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
    gzip_static on;
    gzip_vary on;
    {"brotli_static on;" if brotli else ""}
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
{security_headers}
        }}
    }}
    # The same without sendfile: the body goes through user space.
    server {{
        listen 127.0.0.1:{nginx_copy_port};
        root {root};
        sendfile off;
        location = /artifact.html {{
            default_type "text/html; charset=utf-8";
{security_headers}
        }}
    }}
}}
""")
        nginx = subprocess.Popen(["nginx", "-c", conf, "-p", work],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        nginx_url = f"http://127.0.0.1:{nginx_port}/artifact.html"
        wait_for(nginx_url)
        for suffix, encoding in ((".gz", "gzip"), (".br", "br")):
            if suffix in bodies and fetch(nginx_url, encoding)[0] != bodies[suffix]:
                sys.exit(f"nginx does not serve artifact.html{suffix} for {encoding}")

        runs = [
            ("quire usercontent (signed URL, HMAC check)", quire_url, None),
            ("nginx (static file, sendfile)", nginx_url, None),
            ("nginx (static file, sendfile off)",
             f"http://127.0.0.1:{nginx_copy_port}/artifact.html", None),
        ]
        if gzip:
            runs += [("quire, Accept-Encoding: gzip", quire_url, "gzip"),
                     ("nginx, gzip_static (same .gz)", nginx_url, "gzip")]
        if brotli:
            runs += [("quire, Accept-Encoding: br", quire_url, "br"),
                     ("nginx, brotli_static (same .br)", nginx_url, "br")]
        print(f"artifact: {len(html):,} bytes"
              + (f", gzip {len(gzip):,}" if gzip else "")
              + (f", br {len(brotli):,}" if brotli else "")
              + f"; wrk -t{THREADS} -c{CONNECTIONS} -d{DURATION}s, {ROUNDS} interleaved rounds; "
              f"{os.cpu_count()} CPUs shared by both servers and wrk", flush=True)
        pid = lambda url: quire.pid if url == quire_url else nginx.pid  # noqa: E731
        if DURATION > 2:  # warm-up passes; the numbers below are fresh runs
            for _, url, encoding in runs:
                wrk(url, encoding, pid(url))
        # Rounds interleave the servers, so load from elsewhere on the machine falls on both;
        # each row is the run with the median req/s.
        results = [[] for _ in runs]
        for _ in range(ROUNDS):
            for i, (_, url, encoding) in enumerate(runs):
                results[i].append(wrk(url, encoding, pid(url)))
        medians = [sorted(r)[len(r) // 2] for r in results]
        print(f"{'server':<46} {'req/s':>10} {'all rounds':>28} {'CPU/req':>8} {'transfer/s':>11} "
              f"{'p50':>9} {'p99':>9} {'non-2xx':>8}")
        for (name, _, _), median, rounds in zip(runs, medians, results):
            rps, transfer, p50, p99, _, _ = median
            errors = sum(r[4] for r in rounds)
            every = "/".join(f"{r[0] / 1000:.1f}k" for r in rounds)
            cpu = sorted(r[5] for r in rounds)[len(rounds) // 2]
            print(f"{name:<46} {rps:>10,.0f} {every:>28} {cpu:>6.1f}µs {transfer:>11} {p50:>9} "
                  f"{p99:>9} {errors:>8}")
        rps = [m[0] for m in medians]
        print(f"quire / nginx: {rps[0] / rps[1]:.2f}; quire / nginx without sendfile: "
              f"{rps[0] / rps[2]:.2f}"
              + (f"; gzip: {rps[3] / rps[4]:.2f}" if gzip else "")
              + (f"; br: {rps[5] / rps[6]:.2f}" if brotli else ""))
    finally:
        if nginx:
            nginx.terminate()
            nginx.wait()
        quire.terminate()
        quire.wait()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
