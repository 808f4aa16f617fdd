//! Container image references (`python:3.11`, `mcr.microsoft.com/azureml/base:latest`,
//! `nvcr.io/nvidia/pytorch@sha256:…`) and the registry each one is pulled from. A
//! reference names its registry in the first path component when that component has a
//! `.` or a `:`, or is `localhost`; otherwise the image is on Docker Hub, whose registry
//! API lives at `registry-1.docker.io` (`docker.io` is only a name).
//! See <https://distribution.github.io/distribution/spec/api/> and
//! <https://docs.docker.com/reference/cli/docker/image/tag/#description>.

/// Docker Hub's registry API host.
pub const DOCKER_HUB_REGISTRY: &str = "registry-1.docker.io";

/// Why a reference names no registry to allow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NoRegistry {
    /// `scratch`, or a build stage defined earlier in the same Dockerfile.
    NotPulled,
    /// A template placeholder (`{{ACR_NAME}}.azurecr.io/…`, `$REGISTRY/…`).
    Unresolved(String),
    /// Not an image reference.
    Invalid,
}

/// The URL of the registry an image reference is pulled from: `https://HOST[:PORT]/REPO`.
pub fn registry_url(reference: &str) -> Result<String, NoRegistry> {
    let reference = reference.trim();
    if reference.is_empty() || reference.contains(char::is_whitespace) {
        return Err(NoRegistry::Invalid);
    }
    if reference == "scratch" {
        return Err(NoRegistry::NotPulled);
    }
    if reference.contains('$') || reference.contains("{{") || reference.contains('<') {
        return Err(NoRegistry::Unresolved(reference.to_string()));
    }
    // Strip the digest and tag (a `:` after the last `/`).
    let without_digest = reference.split('@').next().unwrap_or(reference);
    let name = match without_digest.rfind('/') {
        Some(slash) => match without_digest[slash..].find(':') {
            Some(colon) => &without_digest[..slash + colon],
            None => without_digest,
        },
        None => without_digest.split(':').next().unwrap_or(without_digest),
    };
    let (first, rest) = match name.split_once('/') {
        Some((first, rest)) => (first, Some(rest)),
        None => (name, None),
    };
    let names_registry =
        rest.is_some() && (first.contains('.') || first.contains(':') || first == "localhost");
    if names_registry {
        let host = if first == "docker.io" || first == "index.docker.io" {
            DOCKER_HUB_REGISTRY
        } else {
            first
        };
        Ok(format!("https://{host}/{}", rest.unwrap_or_default()))
    } else {
        let repository = if rest.is_some() {
            name.to_string()
        } else {
            format!("library/{name}")
        };
        Ok(format!("https://{DOCKER_HUB_REGISTRY}/{repository}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registries_of_references() {
        assert_eq!(
            registry_url("python:3.11").unwrap(),
            "https://registry-1.docker.io/library/python"
        );
        assert_eq!(
            registry_url("library/python:latest").unwrap(),
            "https://registry-1.docker.io/library/python"
        );
        assert_eq!(
            registry_url("docker.io/python").unwrap(),
            "https://registry-1.docker.io/python"
        );
        assert_eq!(
            registry_url("mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04:latest").unwrap(),
            "https://mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04"
        );
        assert_eq!(
            registry_url("nvcr.io/nvidia/pytorch@sha256:abc").unwrap(),
            "https://nvcr.io/nvidia/pytorch"
        );
        assert_eq!(
            registry_url("localhost:5000/x:1").unwrap(),
            "https://localhost:5000/x"
        );
        assert_eq!(
            registry_url("rocker/tidyverse:4.0.0").unwrap(),
            "https://registry-1.docker.io/rocker/tidyverse"
        );
        assert_eq!(registry_url("scratch"), Err(NoRegistry::NotPulled));
        assert!(matches!(
            registry_url("{{ACR_NAME}}.azurecr.io/x:1"),
            Err(NoRegistry::Unresolved(_))
        ));
        assert!(matches!(
            registry_url("$REGISTRY/x"),
            Err(NoRegistry::Unresolved(_))
        ));
    }
}
