#!/usr/bin/env bash
# The pull-request review of a fleet change, as examples/ci/partnerfleet.yml runs it (and as
# tests/provider/test_ci_example.py runs it against a live backend). Needs only a read key.
#
#   STACK            the stack to review (default: production)
#   POLICY_PACK      the policy pack's directory (default: policy)
#   POLICY_CONFIG    optional --policy-pack-config file
#   PLAN_FLAGS       optional thresholds, e.g. "--max-charge 500 --fail-on-forfeit"
#   PR_NUMBER        with GITHUB_TOKEN and GITHUB_REPOSITORY: post or update the PR comment
#
# Exit: 0 fine; non-zero when a policy is violated, the up would be refused, a threshold is
# crossed, or the backend cannot be asked (the comment is posted first whenever there is one).
set -euo pipefail
stack=${STACK:-production}
pack=${POLICY_PACK:-policy}
config=()
[ -n "${POLICY_CONFIG:-}" ] && config=(--policy-pack-config "$POLICY_CONFIG")

pulumi preview --stack "$stack" --policy-pack "$pack" "${config[@]}" --non-interactive \
    --diff --suppress-progress

status=0
# shellcheck disable=SC2086  # PLAN_FLAGS is a list of flags
partnerfleet plan --stack "$stack" --markdown plan.md --json plan.json ${PLAN_FLAGS:-} || status=$?
if [ -f plan.md ] && [ -n "${GITHUB_TOKEN:-}" ] && [ -n "${PR_NUMBER:-}" ]; then
    partnerfleet comment plan.md --pr "$PR_NUMBER"
fi
exit "$status"
