"""`partnerfleet comment`: post the plan to a pull request, or update the comment posted before
(found by the plan's hidden marker), so a pull request carries one plan, the newest.

GitHub's REST API, from the environment a GitHub Actions job has: GITHUB_TOKEN,
GITHUB_REPOSITORY, GITHUB_API_URL, and the pull request's number (--pr, or the event file).
"""

import argparse
import json
import os
from pathlib import Path
from typing import Any

import requests

from partnerfleet.plan.render import MARKER


class CommentError(Exception):
    """The comment could not be posted: exit 2 with the message."""


def add_parser(commands: Any) -> None:
    comment = commands.add_parser(
        "comment",
        help="post the plan's Markdown to a pull request, updating the earlier one in place",
    )
    comment.add_argument(
        "markdown", type=Path, help="the file `partnerfleet plan --markdown` wrote"
    )
    comment.add_argument("--pr", type=int, help="the pull request (default: the event's)")
    comment.set_defaults(run=run)


def _pull_request(args: argparse.Namespace) -> int:
    if args.pr:
        return int(args.pr)
    event = os.environ.get("GITHUB_EVENT_PATH")
    if event:
        number = json.loads(Path(event).read_text()).get("pull_request", {}).get("number")
        if number:
            return int(number)
    raise CommentError("no pull request: pass --pr N (or run in a pull_request workflow)")


def run(args: argparse.Namespace) -> int:
    """Create or update the plan comment; prints its URL."""
    token = os.environ.get("GITHUB_TOKEN")
    repository = os.environ.get("GITHUB_REPOSITORY")
    if not token or not repository:
        raise CommentError("GITHUB_TOKEN and GITHUB_REPOSITORY are needed to comment")
    api = os.environ.get("GITHUB_API_URL", "https://api.github.com").rstrip("/")
    body = args.markdown.read_text()
    if MARKER not in body:
        raise CommentError(f"{args.markdown} is not a plan written by `partnerfleet plan`")
    number = _pull_request(args)
    http = requests.Session()
    http.headers.update(
        {"Authorization": f"Bearer {token}", "Accept": "application/vnd.github+json"}
    )
    existing = None
    url: str | None = f"{api}/repos/{repository}/issues/{number}/comments?per_page=100"
    while url and existing is None:
        page = http.get(url, timeout=30)
        if page.status_code != 200:
            raise CommentError(f"listing the comments failed: HTTP {page.status_code}")
        existing = next((c for c in page.json() if MARKER in (c.get("body") or "")), None)
        url = page.links.get("next", {}).get("url")
    if existing is not None:
        done = http.patch(existing["url"], json={"body": body}, timeout=30)
    else:
        done = http.post(
            f"{api}/repos/{repository}/issues/{number}/comments", json={"body": body}, timeout=30
        )
    if done.status_code not in (200, 201):
        raise CommentError(f"posting the comment failed: HTTP {done.status_code}")
    print(done.json().get("html_url") or done.json().get("url"))
    return 0
