"""A minimal Language Server Protocol client over stdio, enough to drive ``yaml-language-server`` from tests.

JSON-RPC 2.0 messages framed by ``Content-Length`` headers (LSP "Base Protocol"). One reader thread files every
message: responses by id, ``textDocument/publishDiagnostics`` by document, and the server's own requests
(``workspace/configuration``, ``client/registerCapability``, ...) are answered at once so the server never waits.
"""
from __future__ import annotations

import json
import queue
import subprocess
import threading
from pathlib import Path
from typing import Any

SERVER = Path(__file__).parent / "node_modules" / "yaml-language-server" / "bin" / "yaml-language-server"

# What VS Code's YAML extension sends (the keys yaml-language-server reads); the schema comes from each file's modeline.
SETTINGS = {"yaml": {"validate": True, "hover": True, "completion": True, "format": {"enable": False},
                     "schemaStore": {"enable": False}, "schemas": {}, "disableDefaultProperties": False,
                     "yamlVersion": "1.2"}}


class Client:
    def __init__(self, node: str, root: Path):
        self.proc = subprocess.Popen([node, str(SERVER), "--stdio"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL)
        self.next_id = 0
        self.responses: dict[int, queue.Queue] = {}
        self.diagnostics: dict[str, queue.Queue] = {}
        self.lock = threading.Lock()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()
        self.versions: dict[str, int] = {}
        self.request("initialize", {
            "processId": None, "rootUri": root.as_uri(), "workspaceFolders": [{"uri": root.as_uri(), "name": "w"}],
            "capabilities": {
                "workspace": {"configuration": True},
                "textDocument": {
                    "completion": {"completionItem": {"snippetSupport": True, "documentationFormat": ["markdown"]}},
                    "hover": {"contentFormat": ["markdown", "plaintext"]},
                    "publishDiagnostics": {"relatedInformation": True}}}})
        self.notify("initialized", {})
        self.notify("workspace/didChangeConfiguration", {"settings": SETTINGS})

    # ------------------------------------------------------------ wire

    def _send(self, message: dict) -> None:
        body = json.dumps(message).encode("utf-8")
        assert self.proc.stdin is not None
        self.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.proc.stdin.flush()

    def _read(self) -> None:
        out = self.proc.stdout
        assert out is not None
        while True:
            length = None
            while True:
                line = out.readline()
                if not line:
                    return
                line = line.strip()
                if not line:
                    break
                name, _, value = line.partition(b":")
                if name.lower() == b"content-length":
                    length = int(value)
            if length is None:
                continue
            message = json.loads(out.read(length))
            if "id" in message and "method" in message:          # a request from the server
                self._send({"jsonrpc": "2.0", "id": message["id"], "result": self._answer(message)})
            elif "id" in message:
                self._queue(self.responses, message["id"]).put(message)
            elif message.get("method") == "textDocument/publishDiagnostics":
                self._queue(self.diagnostics, message["params"]["uri"]).put(message["params"])

    def _answer(self, request: dict) -> Any:
        if request["method"] == "workspace/configuration":
            answers = []
            for item in request["params"]["items"]:
                node: Any = SETTINGS
                for part in (item.get("section") or "").split("."):
                    node = node.get(part) if part and isinstance(node, dict) else node
                answers.append(node)
            return answers
        return None

    def _queue(self, table: dict, key: Any) -> queue.Queue:
        with self.lock:
            return table.setdefault(key, queue.Queue())

    # ------------------------------------------------------------ protocol

    def request(self, method: str, params: dict, timeout: float = 60) -> Any:
        with self.lock:
            self.next_id += 1
            rid = self.next_id
        self._send({"jsonrpc": "2.0", "id": rid, "method": method, "params": params})
        reply = self._queue(self.responses, rid).get(timeout=timeout)
        if "error" in reply:
            raise RuntimeError(f"{method}: {reply['error']}")
        return reply.get("result")

    def notify(self, method: str, params: dict) -> None:
        self._send({"jsonrpc": "2.0", "method": method, "params": params})

    def open(self, path: Path, text: str) -> str:
        """Open (or replace) a document; returns its URI."""
        uri = path.as_uri()
        version = self.versions.get(uri, 0) + 1
        self.versions[uri] = version
        q = self._queue(self.diagnostics, uri)
        while not q.empty():
            q.get_nowait()
        if version == 1:
            self.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "yaml", "version": version,
                                                                  "text": text}})
        else:
            self.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": version},
                                                   "contentChanges": [{"text": text}]})
        return uri

    def wait_diagnostics(self, uri: str, timeout: float = 60) -> list[dict]:
        """The diagnostics the server publishes next for ``uri``."""
        return self._queue(self.diagnostics, uri).get(timeout=timeout)["diagnostics"]

    def completion(self, uri: str, line: int, character: int) -> list[dict]:
        result = self.request("textDocument/completion", {"textDocument": {"uri": uri},
                                                          "position": {"line": line, "character": character}})
        return result["items"] if isinstance(result, dict) else (result or [])

    def hover(self, uri: str, line: int, character: int) -> Any:
        return self.request("textDocument/hover", {"textDocument": {"uri": uri},
                                                   "position": {"line": line, "character": character}})

    def close(self) -> None:
        try:
            self.request("shutdown", {}, timeout=10)
            self.notify("exit", {})
            self.proc.wait(timeout=10)
        except Exception:
            self.proc.kill()
            self.proc.wait()
