#!/usr/bin/env bash
# Apply the merged fleet, as examples/ci/partnerfleet.yml runs it on main (a write key).
set -euo pipefail
stack=${STACK:-production}
pulumi up --yes --stack "$stack" --policy-pack "${POLICY_PACK:-policy}" --non-interactive \
    --suppress-progress
