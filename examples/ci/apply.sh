#!/usr/bin/env bash
# Apply the merged fleet, as examples/ci/partnerfleet.yml runs it on main (a write key).
# `partnerfleet up` asks the plan first and runs `pulumi up` only when the plan is fine: a
# change the backend would refuse (credit, quota, access) stops the whole up before anything
# is applied, instead of leaving the fleet half-applied.
set -euo pipefail
stack=${STACK:-production}
# shellcheck disable=SC2086  # PLAN_FLAGS is a list of flags
partnerfleet up --stack "$stack" ${PLAN_FLAGS:-} -- \
    --policy-pack "${POLICY_PACK:-policy}" --suppress-progress
