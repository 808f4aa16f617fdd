variable "workspace_id" {
  type = string
}

resource "azurerm_machine_learning_workspace_network_outbound_rule_fqdn" "all_blobs" {
  name             = "all-blobs"
  workspace_id     = var.workspace_id
  destination_fqdn = "*.blob.core.windows.net"
}

resource "azurerm_machine_learning_workspace_network_outbound_rule_fqdn" "everything" {
  name             = "everything-com"
  workspace_id     = var.workspace_id
  destination_fqdn = "*.com"
}

resource "azurerm_machine_learning_workspace_network_outbound_rule_fqdn" "uk" {
  name             = "uk-sites"
  workspace_id     = var.workspace_id
  destination_fqdn = "*.co.uk"
}

resource "azurerm_machine_learning_workspace_network_outbound_rule_fqdn" "pages" {
  name             = "github-pages"
  workspace_id     = var.workspace_id
  destination_fqdn = "*.github.io"
}
