variable "workspace_id" {
  type = string
}

resource "azurerm_machine_learning_workspace_network_outbound_rule_private_endpoint" "acr" {
  name                = "acr-images"
  workspace_id        = var.workspace_id
  service_resource_id = "/subscriptions/00000000-1111-2222-3333-444444444444/resourceGroups/images/providers/Microsoft.ContainerRegistry/registries/contosoimages"
  sub_resource_target = "blob"
  spark_enabled       = false
}

resource "azurerm_machine_learning_workspace_network_outbound_rule_private_endpoint" "vault" {
  name                = "secrets"
  workspace_id        = var.workspace_id
  service_resource_id = "/subscriptions/00000000-1111-2222-3333-444444444444/resourceGroups/images/providers/Microsoft.KeyVault/vaults/contosovault"
  spark_enabled       = false
}
