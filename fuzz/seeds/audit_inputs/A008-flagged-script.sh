#!/usr/bin/env bash
# From a guide: an FQDN rule for a storage account, which approved-only mode rejects.
set -euo pipefail
az ml workspace update --resource-group "$RG" --name "$WS" \
  --managed-network allow_only_approved_outbound
az ml workspace outbound-rule set --resource-group "$RG" --workspace-name "$WS" \
  --rule wheels --type fqdn --destination mlartifacts.blob.core.windows.net
