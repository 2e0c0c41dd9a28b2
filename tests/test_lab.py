"""JupyterLab's server with the repository's jupytext.toml: a chapter opens as a notebook through the contents
API, a kernel runs its first cells, and a save writes the inputs back to the chapter's .py (nothing that papermill
or a kernel adds to the metadata) and the outputs to notebooks/, never next to the chapter."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TOKEN = "cooccur-test-token"

pytest.importorskip("jupyter_server")
pytest.importorskip("jupytext")
websocket = pytest.importorskip("websocket")
requests = pytest.importorskip("requests")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """A Jupyter server on 127.0.0.1 whose root is a copy of the repository's jupytext.toml and book/ chapters."""
    root = tmp_path_factory.mktemp("lab")
    shutil.copy(ROOT / "jupytext.toml", root)
    (root / "book").mkdir()
    for chapter in (ROOT / "book").glob("*.py"):
        shutil.copy(chapter, root / "book")
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "jupyter_server", "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}",
         f"--IdentityProvider.token={TOKEN}", f"--ServerApp.root_dir={root}", "--ServerApp.open_browser=False",
         "--ServerApp.port_retries=0", "--allow-root"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "JUPYTER_RUNTIME_DIR": str(root / ".runtime")})
    url = f"http://127.0.0.1:{port}"
    for _ in range(300):
        if proc.poll() is not None:
            break
        try:
            if requests.get(f"{url}/api/status", headers=_auth(), timeout=2).ok:
                break
        except requests.ConnectionError:
            time.sleep(0.1)
    else:
        proc.kill()
        pytest.fail("the Jupyter server did not start: " + proc.stderr.read()[-2000:])
    yield url, root
    proc.terminate()
    proc.wait(timeout=30)


def _auth() -> dict[str, str]:
    return {"Authorization": f"token {TOKEN}"}


def _execute(url: str, kernel_id: str, code: str) -> list[dict]:
    """Run ``code`` on the kernel through the server's websocket; return the iopub outputs and the reply."""
    ws = websocket.create_connection(f"{url.replace('http', 'ws')}/api/kernels/{kernel_id}/channels",
                                     header=[f"Authorization: token {TOKEN}"], timeout=120)
    msg_id = uuid.uuid4().hex
    ws.send(json.dumps({"header": {"msg_id": msg_id, "username": "test", "session": uuid.uuid4().hex,
                                   "msg_type": "execute_request", "version": "5.3"},
                        "parent_header": {}, "metadata": {}, "channel": "shell",
                        "content": {"code": code, "silent": False, "store_history": True, "user_expressions": {},
                                    "allow_stdin": False, "stop_on_error": True}}))
    messages, reply, idle = [], None, False
    while reply is None or not idle:
        msg = json.loads(ws.recv())
        if msg.get("parent_header", {}).get("msg_id") != msg_id:
            continue
        kind = msg["msg_type"]
        if kind == "execute_reply":
            reply = msg["content"]
        elif kind == "status" and msg["content"]["execution_state"] == "idle":
            idle = True
        elif kind in ("stream", "error", "execute_result", "display_data"):
            messages.append(msg)
    ws.close()
    return [reply, *messages]


def test_a_chapter_opens_as_a_notebook_and_its_first_cells_run(server):
    url, _ = server
    got = requests.get(f"{url}/api/contents/book/setup.py", params={"type": "notebook", "content": 1},
                       headers=_auth(), timeout=60)
    assert got.ok, got.text
    model = got.json()
    assert model["type"] == "notebook"
    cells = model["content"]["cells"]
    code = [c for c in cells if c["cell_type"] == "code"]
    assert cells[0]["cell_type"] == "markdown" and "parameters" in code[0]["metadata"]["tags"]

    kernel = requests.post(f"{url}/api/kernels", json={"name": "python3"}, headers=_auth(), timeout=60).json()
    try:
        for cell in code[:2]:  # the parameters, then the imports and the parameter check
            reply, *outputs = _execute(url, kernel["id"], "".join(cell["source"]))
            errors = [o["content"] for o in outputs if o["msg_type"] == "error"]
            assert reply["status"] == "ok", errors
        reply, *outputs = _execute(url, kernel["id"], "print(n_seeds, type(check_chapter).__name__)")
        printed = "".join(o["content"].get("text", "") for o in outputs if o["msg_type"] == "stream")
        assert printed.strip() == "10 function"
    finally:
        requests.delete(f"{url}/api/kernels/{kernel['id']}", headers=_auth(), timeout=60)


def test_saving_writes_the_inputs_to_the_py_and_the_outputs_to_notebooks(server):
    url, root = server
    path = root / "book" / "setup.py"
    before = path.read_text()
    model = requests.get(f"{url}/api/contents/book/setup.py", params={"type": "notebook", "content": 1},
                         headers=_auth(), timeout=60).json()
    notebook = model["content"]
    notebook["metadata"]["papermill"] = {"parameters": {"quick": True}}
    notebook["metadata"]["language_info"] = {"name": "python", "version": "3.11"}
    code = next(c for c in notebook["cells"] if c["cell_type"] == "code" and "parameters" in c["metadata"]["tags"])
    code["metadata"]["papermill"] = {"duration": 0.1, "status": "completed"}
    code["metadata"]["execution"] = {"iopub.status.idle": "2026-11-24T00:00:00Z"}
    code["source"] = "".join(code["source"]).replace("n_seeds = 10", "n_seeds = 4")
    code["outputs"] = [{"output_type": "stream", "name": "stdout", "text": "an output\n"}]
    code["execution_count"] = 1
    saved = requests.put(f"{url}/api/contents/book/setup.py", json={"type": "notebook", "content": notebook},
                         headers=_auth(), timeout=60)
    assert saved.ok, saved.text

    after = path.read_text()
    assert after == before.replace("n_seeds = 10", "n_seeds = 4")  # the edit, and nothing else
    assert not (root / "book" / "setup.ipynb").exists()  # never next to the chapter the book builds
    paired = json.loads((root / "notebooks" / "setup.ipynb").read_text())
    assert any(o.get("text") == ["an output\n"] or o.get("text") == "an output\n"
               for c in paired["cells"] for o in c.get("outputs", []))


@pytest.mark.parametrize("chapter", sorted((ROOT / "book").glob("*.py")), ids=lambda p: p.stem)
def test_every_chapter_is_as_jupytext_writes_it(chapter):
    """So that opening and saving a chapter in JupyterLab changes only what was edited."""
    import jupytext
    from jupytext.config import load_jupytext_configuration_file

    config = load_jupytext_configuration_file(str(ROOT / "jupytext.toml"))
    text = chapter.read_text()
    assert jupytext.writes(jupytext.reads(text, fmt="py:percent"), fmt="py:percent", config=config) == text
