param workspaceName string

resource workspace 'Microsoft.MachineLearningServices/workspaces@2025-12-01' existing = {
  name: workspaceName
}

// Named after the host, as a guide did: dots are not allowed in rule names.
resource pytorch 'Microsoft.MachineLearningServices/workspaces/outboundRules@2025-12-01' = {
  parent: workspace
  name: 'download.pytorch.org'
  properties: {
    type: 'FQDN'
    category: 'UserDefined'
    destination: 'download.pytorch.org'
  }
}

resource short 'Microsoft.MachineLearningServices/workspaces/outboundRules@2025-12-01' = {
  parent: workspace
  name: 'hf'
  properties: {
    type: 'FQDN'
    category: 'UserDefined'
    destination: 'developer.download.nvidia.com'
  }
}

resource pytorchR2 'Microsoft.MachineLearningServices/workspaces/outboundRules@2025-12-01' = {
  parent: workspace
  name: 'download-r2-pytorch-org'
  properties: {
    type: 'FQDN'
    category: 'UserDefined'
    destination: 'download-r2.pytorch.org'
  }
}
