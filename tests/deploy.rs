//! `rollback --image REF` and `rollback --k8s deployment/NAME` over a real git repository, with
//! stand-in `docker`, `skopeo`, `crane` and `kubectl` executables on `PATH` that print what the
//! real tools print.

mod common;
use common::{commit_files as commit, git, git_repo as repo, write};
use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;

const M: &str = "db/migration";
const LABEL: &str = "org.opencontainers.image.revision";
const IMAGE: &str = "registry.example.invalid/org/api";

/// A repository where v1 (`old`) has users.email and v2 (`new`) drops it.
struct Deployed {
    dir: tempfile::TempDir,
    old: String,
    new: String,
    bin: tempfile::TempDir,
}

impl Deployed {
    fn new() -> Self {
        let dir = repo();
        commit(
            dir.path(),
            &[(
                &format!("{M}/V1__init.sql"),
                "CREATE TABLE users (id bigint PRIMARY KEY, email text);\n",
            )],
            "v1",
        );
        let old = git(dir.path(), &["rev-parse", "HEAD"]);
        commit(
            dir.path(),
            &[(
                &format!("{M}/V2__drop_email.sql"),
                "ALTER TABLE users DROP COLUMN email;\n",
            )],
            "v2",
        );
        let new = git(dir.path(), &["rev-parse", "HEAD"]);
        let bin = tempfile::tempdir().expect("temp dir");
        // Only the stand-ins and git: the machine's own docker or kubectl must not answer.
        let real_git = which("git");
        std::os::unix::fs::symlink(real_git, bin.path().join("git")).expect("link git");
        Deployed { dir, old, new, bin }
    }

    /// Adds a stand-in executable.
    fn tool(&self, name: &str, script: &str) {
        let path = self.bin.path().join(name);
        std::fs::write(&path, format!("#!/bin/sh\n{script}")).expect("write stand-in");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    }

    fn run(&self, args: &[&str]) -> common::Out {
        let path = self.bin.path().display().to_string();
        common::rollsafe_env(
            self.dir.path(),
            args,
            &[("PATH", &path), ("SHELL", "/bin/sh")],
        )
    }

    /// `docker image inspect` that knows `@sha256:2222` (built from `old`) and `@sha256:3333`.
    fn docker(&self) {
        let json = |digest: &str, rev: &str| {
            format!(
                "[{{\"Id\": \"sha256:1111\", \"RepoDigests\": [\"{IMAGE}@sha256:{digest}\"], \"Config\": {{\"Labels\": {{\"{LABEL}\": \"{rev}\", \"org.opencontainers.image.source\": \"https://example.invalid/org/api\"}}}}}}]"
            )
        };
        self.tool(
            "docker",
            &format!(
                "[ \"$1 $2\" = \"image inspect\" ] || {{ echo \"unexpected: docker $*\" >&2; exit 1; }}\ncase \"$3\" in\n  *@sha256:2222) echo '{}' ;;\n  *@sha256:3333) echo '{}' ;;\n  *) echo \"Error: No such image: $3\" >&2; exit 1 ;;\nesac\n",
                json("2222", &self.old),
                json("3333", &self.new)
            ),
        );
    }
}

fn which(tool: &str) -> PathBuf {
    std::env::var_os("PATH")
        .and_then(|p| {
            std::env::split_paths(&p)
                .map(|d| d.join(tool))
                .find(|c| c.is_file())
        })
        .unwrap_or_else(|| panic!("{tool} not on PATH"))
}

#[test]
fn an_image_digest_resolves_to_the_revision_it_was_built_from() {
    let d = Deployed::new();
    d.docker();
    let image = format!("{IMAGE}@sha256:2222");
    let out = d.run(&["rollback", "--image", &image]);
    assert_eq!(out.code, 1, "{}", out.all());
    let text = out.all();
    assert!(
        text.starts_with("rollback to api@sha256:2222: UNSAFE"),
        "{text}"
    );
    assert!(text.contains(&format!("({})", &d.old[..12])), "{text}");
    assert!(
        text.contains(&format!(
            "image {image} was built from git revision {} (label {LABEL}, read with docker image inspect {image})",
            d.old
        )),
        "{text}"
    );
    assert!(text.contains("V2__drop_email.sql"), "{text}");
    let json = d
        .run(&["rollback", "--image", &image, "--format", "json"])
        .json("image json");
    assert_eq!(json["target"]["commit"], d.old.as_str());
    assert_eq!(json["target"]["deploy"]["image"], image.as_str());
    assert_eq!(json["target"]["deploy"]["label"], LABEL);
    assert_eq!(json["target"]["deploy"]["revision"], d.old.as_str());
    // The current image is the working tree: nothing ahead.
    let out = d.run(&["rollback", "--image", &format!("{IMAGE}@sha256:3333")]);
    assert_eq!(out.code, 0, "{}", out.all());
}

#[test]
fn when_docker_cannot_read_the_image_skopeo_or_crane_does() {
    let d = Deployed::new();
    d.docker();
    let image = format!("{IMAGE}:v1");
    d.tool(
        "skopeo",
        &format!(
            "[ \"$1 $2\" = \"inspect docker://{image}\" ] || {{ echo \"unexpected: skopeo $*\" >&2; exit 1; }}\necho '{{\"Name\": \"{IMAGE}\", \"Digest\": \"sha256:2222\", \"RepoTags\": [\"v1\"], \"Created\": \"2026-01-01T00:00:00Z\", \"Labels\": {{\"{LABEL}\": \"{}\"}}, \"Architecture\": \"amd64\", \"Os\": \"linux\", \"Layers\": []}}'\n",
            d.old
        ),
    );
    let out = d.run(&["rollback", "--image", &image]);
    assert_eq!(out.code, 1, "{}", out.all());
    assert!(
        out.all()
            .contains(&format!("read with skopeo inspect docker://{image})")),
        "{}",
        out.all()
    );
    // Only crane installed.
    std::fs::remove_file(d.bin.path().join("docker")).expect("rm");
    std::fs::remove_file(d.bin.path().join("skopeo")).expect("rm");
    d.tool(
        "crane",
        &format!(
            "[ \"$1\" = config ] || exit 1\necho '{{\"architecture\": \"amd64\", \"config\": {{\"Env\": [\"PATH=/usr/bin\"], \"Labels\": {{\"{LABEL}\": \"{}\"}}}}, \"os\": \"linux\", \"rootfs\": {{\"type\": \"layers\", \"diff_ids\": []}}}}'\n",
            d.old
        ),
    );
    let out = d.run(&["rollback", "--image", &image]);
    assert_eq!(out.code, 1, "{}", out.all());
    assert!(
        out.all().contains("read with crane config"),
        "{}",
        out.all()
    );
}

#[test]
fn an_image_nothing_can_read_or_without_the_label_is_exit_2_with_what_to_do() {
    let d = Deployed::new();
    let out = d.run(&["rollback", "--image", "api:v1"]);
    assert_eq!(out.code, 2, "{}", out.all());
    let text = out.all();
    for needle in [
        "`docker image inspect api:v1`: not installed",
        "`skopeo inspect docker://api:v1`: not installed",
        "`crane config api:v1`: not installed",
        "--image-config FILE",
    ] {
        assert!(text.contains(needle), "no {needle:?} in {text}");
    }
    d.tool(
        "docker",
        "echo '[{\"Id\": \"sha256:1\", \"Config\": {\"Labels\": {\"maintainer\": \"ops\"}}}]'\n",
    );
    let out = d.run(&["rollback", "--image", "api:v1"]);
    assert_eq!(out.code, 2, "{}", out.all());
    let text = out.all();
    assert!(text.contains(&format!("has no {LABEL} label")), "{text}");
    assert!(
        text.contains(&format!("docker build --label {LABEL}=$GIT_SHA")),
        "{text}"
    );
    assert!(
        text.contains("manifest annotations are not image labels"),
        "{text}"
    );
    // A label naming a revision this clone lacks.
    d.tool(
        "docker",
        &format!("echo '[{{\"Config\": {{\"Labels\": {{\"{LABEL}\": \"0123456789abcdef0123456789abcdef01234567\"}}}}}}]'\n"),
    );
    let out = d.run(&["rollback", "--image", "api:v1"]);
    assert_eq!(out.code, 2, "{}", out.all());
    assert!(
        out.all()
            .contains("api:v1 names revision 0123456789abcdef0123456789abcdef01234567"),
        "{}",
        out.all()
    );
}

#[test]
fn an_image_configuration_file_from_any_of_the_tools() {
    let d = Deployed::new();
    let shapes = [
        format!(
            "[{{\"RepoDigests\": [\"{IMAGE}@sha256:2222\"], \"Config\": {{\"Labels\": {{\"{LABEL}\": \"{}\"}}}}}}]",
            d.old
        ),
        format!(
            "{{\"Name\": \"{IMAGE}\", \"Digest\": \"sha256:2222\", \"Labels\": {{\"{LABEL}\": \"{}\"}}}}",
            d.old
        ),
        format!(
            "{{\"config\": {{\"Labels\": {{\"{LABEL}\": \"{}\"}}}}}}",
            d.old
        ),
        // The older label-schema.org label.
        format!(
            "{{\"config\": {{\"Labels\": {{\"org.label-schema.vcs-ref\": \"{}\"}}}}}}",
            &d.old[..10]
        ),
    ];
    for (i, shape) in shapes.iter().enumerate() {
        let file = format!("image-{i}.json");
        write(d.dir.path(), &file, shape.as_bytes());
        let out = d.run(&["rollback", "--image-config", &file]);
        assert_eq!(out.code, 1, "{shape}: {}", out.all());
        assert!(out.all().contains(&d.old[..12]), "{shape}: {}", out.all());
    }
    write(d.dir.path(), "bad.json", b"not json");
    let out = d.run(&["rollback", "--image-config", "bad.json"]);
    assert_eq!(out.code, 2, "{}", out.all());
    assert!(out.all().contains("not JSON"), "{}", out.all());
}

/// A ReplicaSet as the API returns it.
fn replica_set(
    name: &str,
    owner: &str,
    controller: bool,
    revision: u32,
    images: &[(&str, &str)],
) -> String {
    let containers: Vec<String> = images
        .iter()
        .map(|(c, i)| format!("{{\"name\": \"{c}\", \"image\": \"{i}\"}}"))
        .collect();
    format!(
        "{{\"apiVersion\": \"apps/v1\", \"kind\": \"ReplicaSet\", \"metadata\": {{\"name\": \"{name}\", \"namespace\": \"prod\", \"annotations\": {{\"deployment.kubernetes.io/revision\": \"{revision}\"}}, \"ownerReferences\": [{{\"apiVersion\": \"apps/v1\", \"kind\": \"Deployment\", \"name\": \"{owner}\", \"uid\": \"d-1\", \"controller\": {controller}, \"blockOwnerDeletion\": true}}]}}, \"spec\": {{\"replicas\": 0, \"template\": {{\"spec\": {{\"containers\": [{}]}}}}}}}}",
        containers.join(", ")
    )
}

impl Deployed {
    /// `kubectl get replicasets -o json` for deployment `api` (revisions 2, 3, 4; 3 ran the
    /// image built from `old`), plus ReplicaSets of other owners; the arguments go to a log.
    fn kubectl(&self, items: &[String]) {
        let log = self.bin.path().join("kubectl.log");
        self.tool(
            "kubectl",
            &format!(
                "echo \"$*\" >> '{}'\ncase \"$*\" in\n  *\"get replicasets -o json\"*) echo '{{\"apiVersion\": \"v1\", \"kind\": \"List\", \"items\": [{}]}}' ;;\n  *) echo \"unexpected: kubectl $*\" >&2; exit 1 ;;\nesac\n",
                log.display(),
                items.join(", ")
            ),
        );
    }

    fn standard_rollout(&self) {
        self.kubectl(&[
            replica_set(
                "api-1a",
                "api",
                true,
                2,
                &[("api", &format!("{IMAGE}@sha256:1111"))],
            ),
            replica_set(
                "api-7c9",
                "api",
                true,
                3,
                &[
                    ("api", &format!("{IMAGE}@sha256:2222")),
                    ("sidecar", "proxy@sha256:9999"),
                ],
            ),
            replica_set(
                "api-5d4",
                "api",
                true,
                4,
                &[("api", &format!("{IMAGE}@sha256:3333"))],
            ),
            // Another deployment's newer revision, and a ReplicaSet api does not control.
            replica_set("web-1", "web", true, 9, &[("web", "web:9")]),
            replica_set("api-x", "api", false, 7, &[("api", "api:x")]),
        ]);
    }
}

#[test]
fn a_kubernetes_rollout_revision_resolves_through_its_image() {
    let d = Deployed::new();
    d.docker();
    d.standard_rollout();
    for args in [
        vec![
            "--k8s",
            "deployment/api",
            "--namespace",
            "prod",
            "--to-revision",
            "3",
        ],
        // What `kubectl rollout undo` picks: the second-highest revision of api (3).
        vec![
            "--k8s",
            "deployment/api",
            "-n",
            "prod",
            "--context",
            "prod-eu",
        ],
    ] {
        let mut full = vec!["rollback"];
        full.extend(&args);
        let out = d.run(&full);
        assert_eq!(out.code, 1, "{args:?}: {}", out.all());
        let text = out.all();
        assert!(
            text.starts_with("rollback to deployment/api revision 3: UNSAFE"),
            "{text}"
        );
        assert!(
            text.contains(&format!(
                "(ReplicaSet api-7c9) ran container api from image {IMAGE}@sha256:2222"
            )),
            "{text}"
        );
        assert!(text.contains(&d.old[..12]), "{text}");
    }
    let log = std::fs::read_to_string(d.bin.path().join("kubectl.log")).expect("log");
    assert!(
        log.contains("--namespace prod get replicasets -o json"),
        "{log}"
    );
    assert!(
        log.contains("--context prod-eu --namespace prod get replicasets"),
        "{log}"
    );
    let json = d
        .run(&["rollback", "--k8s", "deployment/api", "--format", "json"])
        .json("k8s json");
    assert_eq!(json["target"]["deploy"]["kubernetes"]["revision"], 3);
    assert_eq!(
        json["target"]["deploy"]["kubernetes"]["replica_set"],
        "api-7c9"
    );
    assert_eq!(json["target"]["deploy"]["revision"], d.old.as_str());
}

#[test]
fn kubernetes_targets_that_do_not_resolve_say_why() {
    let d = Deployed::new();
    d.docker();
    d.standard_rollout();
    let cases: [(&[&str], &str); 4] = [
        (
            &["--to-revision", "8"],
            "has no revision 8; its revisions are 2, 3, 4",
        ),
        (
            &["--container", "db", "--to-revision", "3"],
            "no container db; its containers are api, sidecar",
        ),
        (
            &["--container", "sidecar", "--to-revision", "3"],
            "proxy@sha256:9999",
        ),
        (&[], ""),
    ];
    for (extra, needle) in cases {
        let mut args = vec!["rollback", "--k8s", "deployment/api"];
        args.extend(extra);
        let out = d.run(&args);
        if needle.is_empty() {
            assert_eq!(out.code, 1, "{}", out.all());
            continue;
        }
        assert_eq!(out.code, 2, "{extra:?}: {}", out.all());
        assert!(
            out.all().contains(needle),
            "{extra:?}: no {needle:?} in {}",
            out.all()
        );
    }
    let out = d.run(&["rollback", "--k8s", "statefulset/db"]);
    assert_eq!(out.code, 2);
    assert!(
        out.all().contains("expected deployment/NAME"),
        "{}",
        out.all()
    );
    // A deployment with one revision has nothing to go back to.
    d.kubectl(&[replica_set("api-5d4", "api", true, 4, &[("api", "api:4")])]);
    let out = d.run(&["rollback", "--k8s", "deployment/api"]);
    assert_eq!(out.code, 2);
    assert!(
        out.all()
            .contains("has only revision 4: there is nothing to roll back to"),
        "{}",
        out.all()
    );
    // No such deployment.
    let out = d.run(&["rollback", "--k8s", "deployment/nope"]);
    assert_eq!(out.code, 2);
    assert!(
        out.all().contains("deployment/nope has no ReplicaSets"),
        "{}",
        out.all()
    );
}

#[test]
fn one_target_at_a_time() {
    let d = Deployed::new();
    for args in [
        vec!["rollback"],
        vec!["rollback", "v1", "--image", "api:v1"],
        vec!["rollback", "--image", "api:v1", "--k8s", "deployment/api"],
        vec!["rollback", "v1", "--to-revision", "3"],
    ] {
        let out = d.run(&args);
        assert_eq!(out.code, 2, "{args:?}: {}", out.all());
    }
    let out = d.run(&["rollback", "v1"]);
    assert_eq!(out.code, 1, "{}", out.all());
}
