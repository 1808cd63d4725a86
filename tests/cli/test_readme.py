"""What the README tells a newcomer after `make demo` works word for word: the commands of its
after-the-demo block run as written, and the up charges what the plan said. Runs the real
`make demo` in this checkout (it rewrites .partnerfleet/demo and Pulumi.demo.yaml)."""

import os
import re
import sqlite3
import subprocess

import pytest
import requests

from tests.conftest import DB_KIND
from tests.support.paths import ROOT

pytestmark = [
    pytest.mark.engine,
    pytest.mark.slow,
    pytest.mark.skipif(DB_KIND != "sqlite", reason="the demo runs on SQLite"),
]


def after_the_demo(marker: str = "after-the-demo") -> str:
    """The shell block that follows the README's marker."""
    text = (ROOT / "README.md").read_text()
    block = re.search(rf"<!-- {marker} -->\n```sh\n(.*?)```", text, re.S)
    assert block is not None, f"the README lost its {marker} block"
    return block.group(1)


def run_block(marker: str, env: dict[str, str]) -> tuple[str, str]:
    """Run the README's shell block after `marker` as a newcomer would (stop at the first
    failing line): its stdout, and stdout and stderr together; asserts it succeeded."""
    done = subprocess.run(
        ["bash", "-e", "-c", after_the_demo(marker)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    said = done.stdout + done.stderr
    assert done.returncode == 0, said[-4000:]
    return done.stdout, said


def last_ledger_row() -> tuple[object, ...]:
    """The demo's newest ledger entry: kind, nominal, net."""
    db = sqlite3.connect(ROOT / ".partnerfleet" / "demo" / "partnerfleet.db")
    try:
        row = db.execute(
            "SELECT kind, amount_cents, net_cents FROM ledger_entries ORDER BY id DESC LIMIT 1"
        ).fetchone()
    finally:
        db.close()
    return tuple(row)


def sample_plan() -> list[str]:
    """The plan the README shows after the block, line by line."""
    text = (ROOT / "README.md").read_text()
    block = re.search(r"then the totals \(on a\nfresh demo.*?\n```\n(.*?)```", text, re.S)
    assert block is not None, "the README lost its sample plan"
    return [line for line in block.group(1).splitlines() if line.strip()]


def shows(output: str, line: str) -> bool:
    """`line` is in `output` (its text before a `...` as a line's start)."""
    if "..." not in line:
        return any(" ".join(line.split()) == " ".join(out.split()) for out in output.splitlines())
    start = " ".join(line.split("...")[0].split())
    return any(" ".join(out.split()).startswith(start) for out in output.splitlines())


def portal_works(printed: str) -> None:
    """The portal address and the partner admin's login that the demo printed sign in."""
    portal = re.search(r"the partner portal: (http://\S+/portal)", printed)
    login = re.search(r"partner admin\)\s+login: (\S+)\s+password: (\S+)", printed)
    assert portal and login, printed[-2000:]
    with requests.Session() as browser:
        page = browser.get(f"{portal.group(1)}/sign-in", timeout=10)
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert token
        front = browser.post(
            f"{portal.group(1)}/sign-in",
            data={
                "email": login.group(1),
                "password": login.group(2),
                "csrf_token": token.group(1),
            },
            timeout=30,
        )
    assert front.status_code == 200 and "/portal/p/ptn_" in front.url
    assert "Demo MSP GmbH" in front.text and "Renewals in the next 45 days" in front.text


def test_the_readme_after_the_demo_works_word_for_word() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PULUMI_", "PARTNERFLEET_"))}
    env["PATH"] = f"{env['PATH']}:/usr/local/go/bin"
    try:
        demo = subprocess.run(
            ["make", "demo"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=900
        )
        assert demo.returncode == 0, demo.stdout[-3000:] + demo.stderr[-3000:]
        assert "the backend keeps running at http://127.0.0.1:" in demo.stdout
        portal_works(demo.stdout)
        _, output = run_block("after-the-demo", env)
        assert "partnerfleet plan: 1 change(s)" in output
        missing = [line for line in sample_plan() if not shows(output, line)]
        assert missing == [], output[-4000:]
        assert "prepaid-license-forfeit-needs-consent" not in output
        assert "charged now 168.00 EUR nominal (84.00 EUR net through your lots)" in output
        # what the plan said, to the cent
        assert last_ledger_row() == ("charge", -16_800, -8_400)

        # the pull request reverted within the grace window: given back to the cent
        _, said = run_block("after-the-demo-undo", env)
        assert (
            "crm-1001-dns: UNDONE within the grace window: refund 168.00 EUR: undoes the purchase"
            in said
        ), said[-4000:]
        assert last_ledger_row() == ("refund", 16_800, 8_400)

        # what MSPs ask for next, on the same demo
        printed, told = run_block("after-the-demo-next", env)
        assert "no license renewing within 45 days has seats unused" in told, told[-4000:]
        assert '"markup_bp":2000' in told.replace(" ", "")
        # the demo's licenses, with a 20 % markup
        assert [line for line in printed.splitlines() if ",dns-filter," in line], told[-4000:]

        # the same in Pulumi YAML through the provider plugin
        printed, yaml_said = run_block("after-the-demo-yaml", env)
        assert printed.strip().splitlines()[-1].strip() == "25", yaml_said[-2000:]
        assert "partnerfleet:index:License" in yaml_said
    finally:
        subprocess.run(["make", "demo-stop"], cwd=ROOT, env=env, capture_output=True, check=False)
