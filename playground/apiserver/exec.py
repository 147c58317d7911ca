"""`kubectl exec POD -- COMMAND` over the websocket protocol kubectl 1.32 speaks,
`v5.channel.k8s.io`: every message is one byte naming the stream (0 stdin, 1 stdout, 2 stderr,
3 the Status at the end, 4 terminal resize, 255 close) and the bytes on it.

kubectl → /clusters/<cluster>/api/v1/namespaces/<ns>/pods/<name>/exec?command=…&stdout=true
(upgraded to a websocket, the bearer token in its headers) → the token, as every API request →
the pod's kubelet (playground/runtime/kubelet_client.py) runs the command → stdout, stderr, and a
Status: Success, or NonZeroExitCode with the exit code, which kubectl exits with.
staging/src/k8s.io/apimachinery/pkg/util/remotecommand/constants.go and
staging/src/k8s.io/client-go/tools/remotecommand/websocket.go.
"""
from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer

from playground.runtime.kubelet_client import ExecFailed, kubelets
from playground.store.errors import StoreError

from . import status, tokens

PROTOCOL = "v5.channel.k8s.io"
SHELLS = ("sh", "bash", "ash", "dash")
PROMPT = "# "
STDIN, STDOUT, STDERR, ERROR, RESIZE, CLOSE = 0, 1, 2, 3, 4, 255
# The path of a pod's exec, under a cluster's API prefix
PATH = re.compile(r"^/?clusters/(?P<cluster>[-a-z0-9]+)/api/v1/namespaces/(?P<namespace>[^/]+)/pods/(?P<name>[^/]+)/exec$")
MAX_STDIN_BYTES = 1024 * 1024


class ExecConsumer(AsyncWebsocketConsumer):
    async def connect(self) -> None:
        if PROTOCOL not in self.scope.get("subprotocols", []):
            await self.close(code=4400)  # kubectl 1.32 falls back to SPDY, which is not served
            return
        route = PATH.match(self.scope["path"])
        query = parse_qs(self.scope.get("query_string", b"").decode())
        self.stdin: bytearray | None = bytearray() if query.get("stdin", ["false"])[0] in ("true", "1") else None
        self.request = (route["cluster"], route["namespace"], route["name"], (query.get("container") or [None])[0],
                        query.get("command", []))
        command = self.request[4]
        # `kubectl exec -it POD -- sh`: a terminal, read a line at a time (each runs on its own)
        self.terminal = (self.stdin is not None and query.get("tty", ["false"])[0] in ("true", "1")
                         and bool(command) and command[0].rsplit("/", 1)[-1] in SHELLS and "-c" not in command)
        self.line = ""
        await self.accept(subprotocol=PROTOCOL)
        refused = await database_sync_to_async(self._refusal)()
        if refused is not None:
            await self._finish("", "", refused)
        elif self.terminal:
            await self.send(bytes_data=bytes([STDOUT]) + PROMPT.encode())
        elif self.stdin is None:
            await self._run()

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if self.stdin is None or not bytes_data:
            return
        if self.terminal and bytes_data[0] == STDIN:
            for key in bytes_data[1:].decode(errors="replace"):
                await self._key(key)
        elif bytes_data[0] == STDIN:
            self.stdin.extend(bytes_data[1:])
            if len(self.stdin) > MAX_STDIN_BYTES:
                await self._finish("", "", status.failure(413, "RequestEntityTooLarge",
                                                          f"stdin is larger than {MAX_STDIN_BYTES} bytes"))
        elif bytes_data[0] == CLOSE and bytes_data[1:2] == bytes([STDIN]):
            await self._run()

    async def _key(self, key: str) -> None:
        """One key typed at the terminal: echoed, edited, or the line run at Enter."""
        if key in "\r\n":
            line, self.line = self.line.strip(), ""
            await self._out("\r\n")
            if line in ("exit", "logout"):
                await self._finish("", "", _exit_status([], 0))
                return
            if line:
                try:
                    result = await database_sync_to_async(kubelets().exec)(
                        *self.request[:4], [self.request[4][0], "-c", line])
                    await self._out((result.stdout + result.stderr).replace("\n", "\r\n"))
                except (StoreError, ExecFailed) as e:
                    await self._out(f"{getattr(e, 'message', e)}\r\n")
            await self._out(PROMPT)
        elif key in "\x7f\b":
            if self.line:
                self.line = self.line[:-1]
                await self._out("\b \b")
        elif key == "\x03":  # Ctrl-C: the line is dropped
            self.line = ""
            await self._out("^C\r\n" + PROMPT)
        elif key == "\x04":  # Ctrl-D on an empty line ends the shell
            if not self.line:
                await self._finish("\r\n", "", _exit_status([], 0))
        elif key.isprintable():
            self.line += key
            await self._out(key)

    async def _out(self, text: str) -> None:
        if text:
            await self.send(bytes_data=bytes([STDOUT]) + text.encode())

    async def _run(self) -> None:
        stdin = self.stdin.decode(errors="replace") if self.stdin is not None else None
        self.stdin = None
        try:
            result = await database_sync_to_async(kubelets().exec)(*self.request, stdin=stdin)
        except StoreError as e:
            await self._finish("", "", status.failure(e.code, e.reason, e.message))
        except ExecFailed as e:
            await self._finish("", "", status.failure(500, "InternalError",
                                                      f"Internal error occurred: error executing command in container: {e}"))
        else:
            await self._finish(result.stdout, result.stderr, _exit_status(self.request[4], result.exit_code))

    async def _finish(self, stdout: str, stderr: str, outcome: dict[str, Any]) -> None:
        if stdout:
            await self.send(bytes_data=bytes([STDOUT]) + stdout.encode())
        if stderr:
            await self.send(bytes_data=bytes([STDERR]) + stderr.encode())
        await self.send(bytes_data=bytes([ERROR]) + json.dumps(outcome).encode())
        await self.close()

    def _refusal(self) -> dict[str, Any] | None:
        """A Status when the token does not open this pod's namespace, else None."""
        headers = dict(self.scope.get("headers", []))
        token = tokens.authenticate(headers.get(b"authorization", b"").decode())
        cluster, namespace = self.request[0], self.request[1]
        if token is None:
            return status.unauthorized()
        if token.cluster.name != cluster or (token.namespace and token.namespace != namespace):
            return status.forbidden(f'pods "{self.request[2]}" is forbidden: this token may not exec in the '
                                    f'namespace "{namespace}" of cluster "{cluster}"')
        return None


def _exit_status(command: list[str], code: int) -> dict[str, Any]:
    if code == 0:
        return {"metadata": {}, "status": "Success"}
    return {
        "metadata": {}, "status": "Failure",
        "message": f"command terminated with non-zero exit code: error executing command [{' '.join(command)}], exit code {code}",
        "reason": "NonZeroExitCode",
        "details": {"causes": [{"reason": "ExitCode", "message": str(code)}]},
    }
