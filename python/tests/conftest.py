"""Real, throwaway databases (one per use, dropped after), the billing app served over WSGI
(wsgiref) and ASGI (uvicorn), and the runner's own executors driven through
test/support/python/drive-http-handler.ts with the repo's Node."""

from __future__ import annotations

import importlib.util
import json
import os
import secrets
import shutil
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import Any, Dict, Iterator, List
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server
from socketserver import ThreadingMixIn

import pytest

sys.path.insert(0, str(Path(__file__).parent))

REPO = Path(__file__).resolve().parents[2]
DRIVER = REPO / "test" / "support" / "python" / "drive-http-handler.ts"
PG_ADMIN = os.environ.get("TEST_PG_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres")
MYSQL_HOST = os.environ.get("TEST_MYSQL_HOST", "127.0.0.1")
ENGINES = ["postgres", "mysql"]


def node_command() -> List[str]:
    bundled = REPO / "node_modules" / "node" / "bin" / "node"
    if bundled.exists():
        return [str(bundled)]
    return [shutil.which("npx") or "npx", "node"]


def load(path: Path, name: str) -> ModuleType:
    """Imports a generated or example file as the app would run it."""
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run_node(script: Path, payload: Any = None) -> Any:
    done = subprocess.run(node_command() + [str(script)], input=json.dumps(payload), capture_output=True, text=True, cwd=REPO, timeout=60)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def drive(calls: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    """Runs the calls through the runner's real executors; returns their receipts."""
    return run_node(DRIVER, calls)


class TestDatabase:
    def __init__(self, engine: str, name: str, url: str):
        self.engine = engine
        self.name = name
        self.url = url

    def connect(self):
        if self.engine == "postgres":
            import psycopg

            return psycopg.connect(self.url, autocommit=True)
        import pymysql

        return pymysql.connect(host=MYSQL_HOST, port=3306, user="root", database=self.name, autocommit=True)

    def exec(self, statements: List[str]) -> None:
        conn = self.connect()
        try:
            cur = conn.cursor()
            for sql in statements:
                cur.execute(sql)
        finally:
            conn.close()

    def rows(self, sql: str) -> List[Dict[str, Any]]:
        conn = self.connect()
        try:
            cur = conn.cursor()
            cur.execute(sql)
            names = [d[0] for d in cur.description]
            return [dict(zip(names, r)) for r in cur.fetchall()]
        finally:
            conn.close()


@contextmanager
def create_database(engine: str, prefix: str = "srpy") -> Iterator[TestDatabase]:
    name = f"{prefix}_{int(time.time())}_{secrets.token_hex(4)}"
    if engine == "postgres":
        import psycopg

        with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
        db = TestDatabase(engine, name, f"postgres://postgres@127.0.0.1:5432/{name}")
    else:
        import pymysql

        admin = pymysql.connect(host=MYSQL_HOST, port=3306, user="root", autocommit=True)
        admin.cursor().execute(f"CREATE DATABASE `{name}`")
        admin.close()
        db = TestDatabase(engine, name, f"mysql://root@{MYSQL_HOST}:3306/{name}")
    try:
        yield db
    finally:
        if engine == "postgres":
            import psycopg

            with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        else:
            import pymysql

            admin = pymysql.connect(host=MYSQL_HOST, port=3306, user="root", autocommit=True)
            admin.cursor().execute(f"DROP DATABASE IF EXISTS `{name}`")
            admin.close()


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, *args: Any) -> None:
        pass


class _ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


@contextmanager
def serve_wsgi(app: Any, path: str = "/synapsor/writeback") -> Iterator[str]:
    server = make_server("127.0.0.1", 0, app, server_class=_ThreadingWSGIServer, handler_class=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}{path}"
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def serve_asgi(app: Any) -> Iterator[str]:
    import socket

    import uvicorn

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, log_level="warning", lifespan="on", loop="asyncio", http="h11")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.time() + 10
    while not server.started:
        assert time.time() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}/synapsor/writeback"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


@pytest.fixture(scope="session")
def handler_env() -> Iterator[None]:
    from billing_app import ENV_SECRET, ENV_TOKEN, SECRET, TOKEN

    os.environ[ENV_TOKEN] = TOKEN
    os.environ[ENV_SECRET] = SECRET
    yield
