"""The one place that runs the real ``pulumi`` CLI for tests: offline, isolated, JSON out.

Each ``PulumiWorkspace`` has its own ``file://`` state backend, its own ``PULUMI_HOME`` and a
passphrase; update checks and plugin downloads are off; the language host and the dynamic
provider run on this virtual environment's Python.
"""

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]


@lru_cache
def engine_bin() -> Path:
    """The directory of the engine (``scripts/install-pulumi`` finds or builds it)."""
    result = subprocess.run(
        [str(ROOT / "scripts" / "install-pulumi")], capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise RuntimeError(f"scripts/install-pulumi failed:\n{result.stderr}")
    return Path(result.stdout.strip().splitlines()[-1])


def json_values(text: str) -> list[Any]:
    """Every JSON value in `text` (a document, then NDJSON events for up/destroy/refresh)."""
    decoder = json.JSONDecoder()
    values: list[Any] = []
    index = 0
    while True:
        while index < len(text) and text[index].isspace():
            index += 1
        if index >= len(text):
            return values
        value, index = decoder.raw_decode(text, index)
        values.append(value)


@dataclass
class Result:
    """What a pulumi command printed and how it ended."""

    returncode: int
    stdout: str
    stderr: str
    values: list[Any] = field(default_factory=list)

    @property
    def changes(self) -> dict[str, int]:
        """The change summary: {'create': 2, 'same': 1, ...}."""
        for value in reversed(self.values):
            if "summaryEvent" in value:
                return dict(value["summaryEvent"]["resourceChanges"] or {})
            if "changeSummary" in value:
                return dict(value["changeSummary"] or {})
        raise AssertionError(f"no change summary in the output:\n{self.stdout[-2000:]}")

    @property
    def diagnostics(self) -> list[str]:
        """Messages the program and the engine reported as errors."""
        found = []
        for value in self.values:
            event = value.get("diagnosticEvent") if isinstance(value, dict) else None
            if event and event.get("severity") == "error":
                found.append(event["message"])
            for diag in value.get("diagnostics", []) if isinstance(value, dict) else []:
                if diag.get("severity") == "error":
                    found.append(diag.get("message", ""))
        return found


class PulumiWorkspace:
    """A state backend and home of its own, for stacks of the programs under test."""

    def __init__(self, root: Path, extra_env: dict[str, str] | None = None) -> None:
        self.root = root
        (root / "state").mkdir(parents=True, exist_ok=True)
        (root / "home").mkdir(parents=True, exist_ok=True)
        self.extra_env = dict(extra_env or {})

    def env(self) -> dict[str, str]:
        venv_bin = str(Path(sys.executable).parent)
        base = {k: v for k, v in os.environ.items() if not k.startswith("PULUMI_")}
        return {
            **base,
            "PATH": os.pathsep.join([str(engine_bin()), venv_bin, base.get("PATH", "")]),
            "PULUMI_BACKEND_URL": f"file://{self.root / 'state'}",
            "PULUMI_HOME": str(self.root / "home"),
            "PULUMI_CONFIG_PASSPHRASE": "partnerfleet-tests",
            "PULUMI_SKIP_UPDATE_CHECK": "true",
            "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
            "PULUMI_PYTHON_CMD": sys.executable,
            "PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK": "true",
            **self.extra_env,
        }

    def run(self, program: Path, *args: str, check: bool = True, timeout: float = 900) -> Result:
        """``pulumi ARGS`` in the program's directory; JSON output parsed when asked for."""
        done = subprocess.run(
            ["pulumi", *args, "--non-interactive"],
            cwd=program,
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        values = json_values(done.stdout) if "--json" in args else []
        result = Result(done.returncode, done.stdout, done.stderr, values)
        if check and done.returncode != 0:
            raise AssertionError(
                f"pulumi {' '.join(args)} exited {done.returncode}\n"
                f"errors: {result.diagnostics}\n"
                f"stderr: {done.stderr[-3000:]}\nstdout: {done.stdout[-3000:]}"
            )
        return result

    def stack(self, program: Path, name: str = "test", *, copy_program: bool = True) -> "Stack":
        """A new stack of a copy of `program` (stack config files stay out of the repo)."""
        if not copy_program:
            self.run(program, "stack", "init", name)
            return Stack(self, program, name)
        copy = self.root / "programs" / program.name
        shutil.copytree(
            program, copy, ignore=shutil.ignore_patterns("Pulumi.*.yaml", "__pycache__")
        )
        self.run(copy, "stack", "init", name)
        return Stack(self, copy, name)


@dataclass
class Stack:
    """One stack of one program."""

    workspace: PulumiWorkspace
    program: Path
    name: str

    def cmd(self, *args: str, check: bool = True) -> Result:
        return self.workspace.run(self.program, *args, "--stack", self.name, check=check)

    def config(self, key: str, value: str, *, secret: bool = False) -> None:
        self.cmd("config", "set", key, value, *(["--secret"] if secret else []))

    def up(self, *extra: str, check: bool = True) -> Result:
        return self.cmd("up", "--yes", "--skip-preview", "--json", *extra, check=check)

    def preview(self, *extra: str, check: bool = True) -> Result:
        return self.cmd("preview", "--json", *extra, check=check)

    def refresh(self, *extra: str, check: bool = True) -> Result:
        return self.cmd("refresh", "--yes", "--skip-preview", "--json", *extra, check=check)

    def destroy(self, *extra: str, check: bool = True) -> Result:
        return self.cmd("destroy", "--yes", "--skip-preview", "--json", *extra, check=check)

    def outputs(self) -> dict[str, Any]:
        out: dict[str, Any] = json.loads(
            self.cmd("stack", "output", "--json", "--show-secrets").stdout
        )
        return out

    def state_text(self) -> str:
        """The raw state file(s) of the backend, as text."""
        return "".join(p.read_text() for p in (self.workspace.root / "state").rglob("*.json"))


def run_inline(
    command: list[str], workspace: PulumiWorkspace, env: dict[str, str], cwd: Path | None = None
) -> dict[str, Any]:
    """An Automation API program (`command`, e.g. a built binary and its operation): its last
    line of output, the JSON it prints of the operation's result."""
    done = subprocess.run(
        command,
        cwd=cwd,
        env={**workspace.env(), **env},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result
