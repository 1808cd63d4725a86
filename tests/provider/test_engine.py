"""The real Pulumi engine, offline: a smoke run, and the SDK serialization bug at scale."""

from pathlib import Path

import pytest

from tests.support.paths import PROGRAMS
from tests.support.pulumi import PulumiWorkspace

pytestmark = pytest.mark.engine


@pytest.fixture
def workspace(tmp_path: Path) -> PulumiWorkspace:
    return PulumiWorkspace(tmp_path / "pulumi")


def test_up_then_preview_shows_no_changes_then_destroy(workspace: PulumiWorkspace) -> None:
    stack = workspace.stack(PROGRAMS / "smoke")
    stack.config("message", "partnerfleet")
    up = stack.up()
    assert up.changes == {"create": 2}  # the stack and the echo
    assert stack.outputs() == {"length": 12}
    preview = stack.preview()
    assert preview.changes == {"same": 2}
    stack.config("message", "changed")
    assert stack.preview().changes == {"same": 1, "update": 1}
    destroy = stack.destroy()
    assert destroy.changes == {"delete": 2}


def test_the_serialization_bug_is_real_and_the_workaround_fixes_it(
    workspace: PulumiWorkspace,
) -> None:
    stack = workspace.stack(PROGRAMS / "many")
    stack.config("count", "1000")
    broken = stack.preview(check=False)
    assert broken.returncode != 0
    assert "RecursionError" in broken.stdout + broken.stderr
    stack.config("useWorkaround", "true")
    fixed = stack.preview()
    assert fixed.changes == {"create": 1001}
