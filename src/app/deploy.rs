//! Deploy identities: which git revision an image was built from (its
//! `org.opencontainers.image.revision` label), and which image a Kubernetes deployment ran at a
//! rollout revision. Read with the tools the runbooks use (`docker`, `skopeo`, `crane`,
//! `kubectl`), whichever is installed.

use serde::Serialize;
use serde_json::Value;
use std::path::Path;
use std::process::{Command, Stdio};

/// The label the image build records its git revision in (OCI image spec annotations, used as
/// a label).
pub const REVISION_LABEL: &str = "org.opencontainers.image.revision";
/// The older label-schema.org spelling, still set by some pipelines.
const LEGACY_REVISION_LABEL: &str = "org.label-schema.vcs-ref";

/// What a deploy identity resolved to.
#[derive(Debug, Clone, Serialize)]
pub struct DeployIdentity {
    /// The image, as given or as the deployment ran it.
    pub image: String,
    /// How its labels were read (`docker image inspect`, `skopeo inspect`, `crane config`, or
    /// `--image-config FILE`).
    pub read_with: String,
    /// The label that named the revision.
    pub label: String,
    /// The git revision the label names.
    pub revision: String,
    /// For `--k8s`: the rollout revision the image comes from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kubernetes: Option<Rollout>,
}

/// A Kubernetes rollout revision of a deployment.
#[derive(Debug, Clone, Serialize)]
pub struct Rollout {
    pub deployment: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub context: Option<String>,
    /// `deployment.kubernetes.io/revision` of the ReplicaSet picked.
    pub revision: u64,
    pub replica_set: String,
    pub container: String,
}

/// `--k8s deployment/NAME` and its options.
#[derive(Debug, Clone, Default)]
pub struct K8sTarget {
    pub deployment: String,
    pub namespace: Option<String>,
    pub context: Option<String>,
    pub container: Option<String>,
    pub to_revision: Option<u64>,
}

/// The git revision image `image` was built from: from `config_file` (the JSON of
/// `docker image inspect`, `skopeo inspect` or `crane config`) when given, else from the first
/// of `docker`, `skopeo` and `crane` that can read the image.
pub fn image_revision(
    image: Option<&str>,
    config_file: Option<&Path>,
) -> Result<DeployIdentity, String> {
    let (json, read_with, shown) = match (config_file, image) {
        (Some(file), _) => {
            let text = std::fs::read_to_string(file)
                .map_err(|e| format!("--image-config {}: {e}", file.display()))?;
            let json: Value = serde_json::from_str(&text).map_err(|e| {
                format!(
                    "--image-config {}: not JSON ({e}); pass what `docker image inspect`, \
                     `skopeo inspect` or `crane config` prints",
                    file.display()
                )
            })?;
            let shown = image
                .map(str::to_string)
                .or_else(|| image_name(&json))
                .unwrap_or_else(|| file.display().to_string());
            (json, format!("--image-config {}", file.display()), shown)
        }
        (None, Some(image)) => {
            let (json, with) = inspect(image)?;
            (json, with, image.to_string())
        }
        (None, None) => return Err("give --image REF or --image-config FILE".to_string()),
    };
    let labels = labels_of(&json).ok_or_else(|| {
        format!(
            "{read_with} gave no image configuration with labels for {shown}; pass what \
             `docker image inspect`, `skopeo inspect` or `crane config` prints"
        )
    })?;
    for label in [REVISION_LABEL, LEGACY_REVISION_LABEL] {
        if let Some(rev) = labels
            .and_then(|l| l.get(label))
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|r| !r.is_empty())
        {
            return Ok(DeployIdentity {
                image: shown,
                read_with,
                label: label.to_string(),
                revision: rev.to_string(),
                kubernetes: None,
            });
        }
    }
    Err(format!(
        "image {shown} has no {REVISION_LABEL} label (read with {read_with}), so rollsafe cannot \
         tell which git revision it was built from. Set it when building: `docker build --label \
         {REVISION_LABEL}=$GIT_SHA …`, or pass the `labels` output of docker/metadata-action (or \
         your CI's equivalent) to the build; manifest annotations are not image labels. Until \
         then, roll back by git revision: `rollsafe rollback <tag or sha>`"
    ))
}

/// Reads the image's configuration with the first tool that can.
fn inspect(image: &str) -> Result<(Value, String), String> {
    let skopeo_ref = if image.contains("://") || image.starts_with("oci:") {
        image.to_string()
    } else {
        format!("docker://{image}")
    };
    let attempts: [(&str, Vec<&str>); 3] = [
        ("docker", vec!["image", "inspect", image]),
        ("skopeo", vec!["inspect", &skopeo_ref]),
        ("crane", vec!["config", image]),
    ];
    let mut failures = Vec::new();
    for (tool, args) in &attempts {
        let shown = format!("{tool} {}", args.join(" "));
        match run_tool(tool, args) {
            Ok(stdout) => match serde_json::from_str::<Value>(&stdout) {
                Ok(json) => return Ok((json, shown)),
                Err(e) => failures.push(format!("`{shown}` printed no JSON ({e})")),
            },
            Err(e) => failures.push(format!("`{shown}`: {e}")),
        }
    }
    Err(format!(
        "cannot read the labels of image {image}: {}. Pull the image first (`docker pull \
         {image}`), install skopeo or crane (they read the registry), or pass the image's \
         configuration with --image-config FILE",
        failures.join("; ")
    ))
}

/// Runs `tool args`: its stdout, or why it failed (not installed, or its error).
fn run_tool(tool: &str, args: &[&str]) -> Result<String, String> {
    let out = Command::new(tool)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => "not installed (not on PATH)".to_string(),
            _ => format!("cannot run it ({e})"),
        })?;
    if !out.status.success() {
        let stderr = String::from_utf8_lossy(&out.stderr);
        let first = stderr.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
        return Err(format!(
            "exit {}{}",
            out.status
                .code()
                .map_or_else(|| "by signal".to_string(), |c| c.to_string()),
            if first.is_empty() {
                String::new()
            } else {
                format!(": {}", first.trim())
            }
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// The labels of an image configuration as any of the tools prints it: `docker image inspect`
/// (an array; `Config.Labels`), `skopeo inspect` (`Labels`), `crane config` (`config.Labels`).
/// `Some(None)`: the configuration is there and has no labels.
fn labels_of(json: &Value) -> Option<Option<&serde_json::Map<String, Value>>> {
    let doc = match json {
        Value::Array(items) => items.first()?,
        other => other,
    };
    let candidates = [
        doc.get("Config").and_then(|c| c.get("Labels")),
        doc.get("config").and_then(|c| c.get("Labels")),
        doc.get("Labels"),
        doc.get("ContainerConfig").and_then(|c| c.get("Labels")),
    ];
    let known = doc.get("Config").is_some()
        || doc.get("config").is_some()
        || doc.get("Labels").is_some()
        || doc.get("Digest").is_some();
    let found = candidates.into_iter().flatten().find_map(Value::as_object);
    if found.is_some() {
        return Some(found);
    }
    known.then_some(None)
}

/// The image's name in a configuration document, when it carries one.
fn image_name(json: &Value) -> Option<String> {
    let doc = match json {
        Value::Array(items) => items.first()?,
        other => other,
    };
    doc.get("RepoDigests")
        .and_then(|d| d.get(0))
        .or_else(|| doc.get("Name"))
        .and_then(Value::as_str)
        .map(str::to_string)
}

/// The image a deployment's rollout revision ran: `--to-revision N`, else the one
/// `kubectl rollout undo` goes back to (the second-highest revision).
pub fn k8s_image(t: &K8sTarget) -> Result<(String, Rollout), String> {
    let name = deployment_name(&t.deployment)?;
    let mut args: Vec<&str> = Vec::new();
    if let Some(c) = &t.context {
        args.extend(["--context", c]);
    }
    if let Some(ns) = &t.namespace {
        args.extend(["--namespace", ns]);
    }
    args.extend(["get", "replicasets", "-o", "json"]);
    let shown = format!("kubectl {}", args.join(" "));
    let stdout = run_tool("kubectl", &args).map_err(|e| format!("`{shown}`: {e}"))?;
    let list: Value =
        serde_json::from_str(&stdout).map_err(|e| format!("`{shown}` printed no JSON ({e})"))?;
    let mut owned: Vec<(u64, &Value)> = list
        .get("items")
        .and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .filter(|rs| controlled_by(rs, name))
                .filter_map(|rs| Some((rollout_revision(rs)?, rs)))
                .collect()
        })
        .unwrap_or_default();
    owned.sort_by_key(|(rev, _)| *rev);
    let where_ = t
        .namespace
        .as_ref()
        .map(|ns| format!(" in namespace {ns}"))
        .unwrap_or_default();
    if owned.is_empty() {
        return Err(format!(
            "deployment/{name}{where_} has no ReplicaSets with a rollout revision (`{shown}`); \
             check the name, --namespace and --context"
        ));
    }
    let revisions: Vec<String> = owned.iter().map(|(r, _)| r.to_string()).collect();
    let (revision, rs) = match t.to_revision {
        Some(n) => owned
            .iter()
            .find(|(r, _)| *r == n)
            .copied()
            .ok_or_else(|| {
                format!(
                    "deployment/{name}{where_} has no revision {n}; its revisions are {}",
                    revisions.join(", ")
                )
            })?,
        None if owned.len() < 2 => {
            return Err(format!(
                "deployment/{name}{where_} has only revision {}: there is nothing to roll back to",
                revisions.join(", ")
            ));
        }
        None => owned[owned.len() - 2],
    };
    let (container, image) = container_image(rs, t.container.as_deref())
        .map_err(|e| format!("deployment/{name}{where_} revision {revision}: {e}"))?;
    let rollout = Rollout {
        deployment: name.to_string(),
        namespace: t.namespace.clone(),
        context: t.context.clone(),
        revision,
        replica_set: rs
            .pointer("/metadata/name")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string(),
        container,
    };
    Ok((image, rollout))
}

/// `deployment/NAME` (also `deploy/`, `deployments/`, `deployment.apps/`).
fn deployment_name(spec: &str) -> Result<&str, String> {
    match spec.split_once('/') {
        Some(("deployment" | "deployments" | "deploy" | "deployment.apps", name))
            if !name.is_empty() && !name.contains('/') =>
        {
            Ok(name)
        }
        _ => Err(format!(
            "--k8s {spec}: expected deployment/NAME (rollsafe reads a deployment's ReplicaSets)"
        )),
    }
}

/// Whether ReplicaSet `rs` is controlled by deployment `name`.
fn controlled_by(rs: &Value, name: &str) -> bool {
    rs.pointer("/metadata/ownerReferences")
        .and_then(Value::as_array)
        .is_some_and(|refs| {
            refs.iter().any(|r| {
                r.get("kind").and_then(Value::as_str) == Some("Deployment")
                    && r.get("name").and_then(Value::as_str) == Some(name)
                    && r.get("controller").and_then(Value::as_bool) == Some(true)
            })
        })
}

fn rollout_revision(rs: &Value) -> Option<u64> {
    rs.pointer("/metadata/annotations")?
        .get("deployment.kubernetes.io/revision")?
        .as_str()?
        .trim()
        .parse()
        .ok()
}

/// The named container's image in the ReplicaSet's pod template, else the first container's.
fn container_image(rs: &Value, wanted: Option<&str>) -> Result<(String, String), String> {
    let containers = rs
        .pointer("/spec/template/spec/containers")
        .and_then(Value::as_array)
        .filter(|c| !c.is_empty())
        .ok_or("its pod template has no containers")?;
    let name = |c: &Value| {
        c.get("name")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string()
    };
    let chosen = match wanted {
        Some(w) => containers.iter().find(|c| name(c) == w).ok_or_else(|| {
            let names: Vec<String> = containers.iter().map(name).collect();
            format!("no container {w}; its containers are {}", names.join(", "))
        })?,
        None => &containers[0],
    };
    let image = chosen
        .get("image")
        .and_then(Value::as_str)
        .filter(|i| !i.is_empty())
        .ok_or_else(|| format!("container {} has no image", name(chosen)))?;
    Ok((name(chosen), image.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_from_each_tool() {
        let docker = serde_json::json!([{"Config": {"Labels": {REVISION_LABEL: "abc"}}}]);
        let skopeo = serde_json::json!({"Digest": "sha256:1", "Labels": {REVISION_LABEL: "abc"}});
        let crane = serde_json::json!({"config": {"Labels": {REVISION_LABEL: "abc"}}});
        for doc in [docker, skopeo, crane] {
            let labels = labels_of(&doc).flatten().expect("labels");
            assert_eq!(labels[REVISION_LABEL], "abc", "{doc}");
        }
        let unlabelled = serde_json::json!([{"Config": {"Labels": null}}]);
        assert_eq!(labels_of(&unlabelled), Some(None));
        assert_eq!(labels_of(&serde_json::json!({"items": []})), None);
    }

    #[test]
    fn deployment_names() {
        assert_eq!(deployment_name("deployment/api"), Ok("api"));
        assert_eq!(deployment_name("deploy/api"), Ok("api"));
        assert!(deployment_name("statefulset/db").is_err());
        assert!(deployment_name("api").is_err());
    }
}
