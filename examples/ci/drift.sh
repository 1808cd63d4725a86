#!/usr/bin/env bash
# The scheduled drift check, as examples/ci/partnerfleet.yml runs it every morning (and as
# tests/provider/test_ci_example.py runs it against a live backend). Needs only a read key:
# nothing is applied. Finds what changed outside the code since the last up (a seat count, an
# access limit, an operator hold) and the plan of putting the code back; with GITHUB_TOKEN and
# GITHUB_REPOSITORY it opens one issue with it, updates it while the drift lasts and closes it
# when the drift is gone.
#
#   STACK   the stack to check (default: production)
#
# Exit: 0 whether or not there is drift (the issue says it); 2 when the backend or the state
# cannot be asked.
set -uo pipefail
stack=${STACK:-production}
status=0
partnerfleet drift --stack "$stack" --markdown drift.md || status=$?
if [ "$status" -ne 0 ] && [ "$status" -ne 3 ]; then
    exit "$status"
fi
if [ -n "${GITHUB_TOKEN:-}" ] && [ -n "${GITHUB_REPOSITORY:-}" ]; then
    partnerfleet issue drift.md || exit 2
fi
exit 0
