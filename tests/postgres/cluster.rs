//! A throwaway PostgreSQL cluster for the oracle tests, and a minimal client.
//!
//! The cluster lives in a temp dir on a free loopback port, with fsync off. PostgreSQL refuses
//! to run as root, so as root the server runs as the `postgres` user that Debian's package
//! creates. A watchdog process stops the server and removes its files when the test process
//! exits, however it exits (the test harness never drops statics).
//!
//! The client speaks the simple-query protocol over TCP with trust authentication: enough to
//! run one statement at a time and see exactly which one failed and why, with no dependency.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

/// Set in CI: a missing server is a failure, not a skip.
const REQUIRE_ENV: &str = "ROLLSAFE_REQUIRE_POSTGRES";
/// Overrides where the server binaries (`initdb`, `pg_ctl`, `postgres`) are looked for.
const BINDIR_ENV: &str = "ROLLSAFE_PG_BINDIR";

pub struct Cluster {
    pub port: u16,
    bindir: PathBuf,
    /// The client for `psql -f`, which applies migration files the way users do.
    psql: PathBuf,
    pub version: String,
}

/// The shared cluster of this test process, started on first use; `None` (after a loud
/// message) when no server is installed and CI did not ask for one.
pub fn cluster() -> Option<&'static Cluster> {
    static CLUSTER: OnceLock<Option<Cluster>> = OnceLock::new();
    CLUSTER
        .get_or_init(|| match find_bindir() {
            Some(bindir) => Some(Cluster::start(bindir).unwrap_or_else(|e| panic!("{e}"))),
            None => {
                if std::env::var_os(REQUIRE_ENV).is_some() {
                    panic!(
                        "{REQUIRE_ENV} is set but no PostgreSQL server was found \
                         (looked in ${BINDIR_ENV}, /usr/lib/postgresql/*/bin and PATH); \
                         install it with `apt-get install postgresql`"
                    );
                }
                None
            }
        })
        .as_ref()
}

/// Says, past the test harness's output capture, that a test did not run.
pub fn loud_skip(test: &str) {
    let banner = format!(
        "\n*** SKIPPED {test}: no PostgreSQL server binaries found; install them \
         (`apt-get install postgresql`) or set {BINDIR_ENV}. CI sets {REQUIRE_ENV}=1 and \
         always runs this. ***\n"
    );
    // `eprintln!` is captured for passing tests; a direct write to the handle is not.
    let _ = std::io::stderr().write_all(banner.as_bytes());
}

fn find_bindir() -> Option<PathBuf> {
    let has_server = |d: &Path| {
        ["initdb", "pg_ctl", "postgres"]
            .iter()
            .all(|b| d.join(b).is_file())
    };
    if let Some(d) = std::env::var_os(BINDIR_ENV) {
        let d = PathBuf::from(d);
        return has_server(&d).then_some(d);
    }
    // Debian keeps the server off PATH, one folder per major version; take the newest.
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let v = e.file_name().to_str()?.parse::<u32>().ok()?;
            Some((v, e.path().join("bin")))
        })
        .filter(|(_, d)| has_server(d))
        .collect();
    versions.sort();
    if let Some((_, d)) = versions.pop() {
        return Some(d);
    }
    std::env::var_os("PATH").and_then(|path| std::env::split_paths(&path).find(|d| has_server(d)))
}

fn run_as_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("Uid:"))
                .and_then(|l| l.split_whitespace().nth(2).map(|uid| uid == "0"))
        })
        .unwrap_or(false)
}

/// uid and gid of the `postgres` user, from /etc/passwd.
fn postgres_user() -> Result<(u32, u32), String> {
    let passwd = std::fs::read_to_string("/etc/passwd").map_err(|e| format!("/etc/passwd: {e}"))?;
    passwd
        .lines()
        .map(|l| l.split(':').collect::<Vec<_>>())
        .find(|f| f.first() == Some(&"postgres"))
        .and_then(|f| Some((f.get(2)?.parse().ok()?, f.get(3)?.parse().ok()?)))
        .ok_or_else(|| {
            "running as root, PostgreSQL needs the `postgres` user to run as; the Debian \
             package `postgresql` creates it"
                .to_string()
        })
}

impl Cluster {
    fn start(bindir: PathBuf) -> Result<Cluster, String> {
        let dir = std::env::temp_dir().join(format!("rollsafe-pg-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let as_postgres = run_as_root();
        if as_postgres {
            let (uid, gid) = postgres_user()?;
            std::os::unix::fs::chown(&dir, Some(uid), Some(gid))
                .map_err(|e| format!("chown {}: {e}", dir.display()))?;
        }
        let server_cmd = |program: &str| {
            let mut c = if as_postgres {
                let mut c = Command::new("runuser");
                c.args(["-u", "postgres", "--"]).arg(bindir.join(program));
                c
            } else {
                Command::new(bindir.join(program))
            };
            c.stdin(Stdio::null());
            c
        };
        let data = dir.join("data");
        let out = server_cmd("initdb")
            .arg("-D")
            .arg(&data)
            .args([
                "-A",
                "trust",
                "-U",
                "postgres",
                "-E",
                "UTF8",
                "--locale=C",
                "--no-sync",
            ])
            .output()
            .map_err(|e| format!("initdb: {e}"))?;
        if !out.status.success() {
            return Err(format!(
                "initdb failed: {}",
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        // A port taken between asking and binding makes pg_ctl fail; try a few.
        let mut last_error = String::new();
        for _ in 0..5 {
            let port = free_port()?;
            let opts = format!(
                "-p {port} -c listen_addresses=127.0.0.1 -c unix_socket_directories='' \
                 -c fsync=off -c synchronous_commit=off -c full_page_writes=off \
                 -c max_connections=50"
            );
            let out = server_cmd("pg_ctl")
                .arg("-D")
                .arg(&data)
                .args(["-o", &opts, "-w", "-t", "60", "-l"])
                .arg(dir.join("server.log"))
                .arg("start")
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .output()
                .map_err(|e| format!("pg_ctl: {e}"))?;
            if out.status.success() {
                spawn_watchdog(&bindir, &data, &dir, as_postgres);
                let psql = ["psql"]
                    .iter()
                    .map(|p| bindir.join(p))
                    .find(|p| p.is_file())
                    .unwrap_or_else(|| PathBuf::from("psql"));
                let mut cluster = Cluster {
                    port,
                    bindir,
                    psql,
                    version: String::new(),
                };
                let mut conn = cluster.connect("postgres")?;
                cluster.version = conn
                    .query("SHOW server_version")
                    .map_err(|e| e.to_string())?
                    .first()
                    .and_then(|r| r.first().cloned().flatten())
                    .unwrap_or_default();
                return Ok(cluster);
            }
            let log = std::fs::read_to_string(dir.join("server.log")).unwrap_or_default();
            last_error = format!("{}{log}", String::from_utf8_lossy(&out.stderr));
        }
        Err(format!("could not start PostgreSQL: {last_error}"))
    }

    pub fn connect(&self, database: &str) -> Result<Conn, String> {
        Conn::open(self.port, database)
    }

    /// A fresh, empty database.
    pub fn create_database(&self, name: &str) -> Result<(), String> {
        let mut admin = self.connect("postgres")?;
        admin
            .execute(&format!("DROP DATABASE IF EXISTS {name}"))
            .and_then(|_| admin.execute(&format!("CREATE DATABASE {name} TEMPLATE template0")))
            .map_err(|e| format!("create database {name}: {e}"))
    }

    /// Applies a migration file with `psql -f`, stopping at the first error.
    pub fn apply_file(&self, database: &str, file: &Path) -> Result<(), String> {
        let out = Command::new(&self.psql)
            .args([
                "-X",
                "-q",
                "-v",
                "ON_ERROR_STOP=1",
                "-h",
                "127.0.0.1",
                "-U",
                "postgres",
            ])
            .args(["-p", &self.port.to_string(), "-d", database, "-f"])
            .arg(file)
            .stdin(Stdio::null())
            .output()
            .map_err(|e| format!("psql ({}): {e}", self.psql.display()))?;
        if out.status.success() {
            Ok(())
        } else {
            Err(String::from_utf8_lossy(&out.stderr).into_owned())
        }
    }

    #[allow(dead_code)]
    pub fn bindir(&self) -> &Path {
        &self.bindir
    }
}

fn free_port() -> Result<u16, String> {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(|e| format!("no free loopback port: {e}"))
}

/// Stops the server and removes its directory once this process is gone.
fn spawn_watchdog(bindir: &Path, data: &Path, dir: &Path, as_postgres: bool) {
    let pg_ctl = bindir.join("pg_ctl");
    let stop = format!(
        "{}'{}' -D '{}' -m immediate stop",
        if as_postgres {
            "runuser -u postgres -- "
        } else {
            ""
        },
        pg_ctl.display(),
        data.display()
    );
    let script = format!(
        "while kill -0 {pid} 2>/dev/null; do sleep 0.3; done; {stop}; rm -rf '{dir}'",
        pid = std::process::id(),
        dir = dir.display()
    );
    let _ = Command::new("sh")
        .args(["-c", &script])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn();
}

/// An error the server reported for a statement.
#[derive(Debug, Clone)]
pub struct PgError {
    pub code: String,
    pub message: String,
    pub detail: Option<String>,
}

impl std::fmt::Display for PgError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({})", self.message, self.code)?;
        if let Some(d) = &self.detail {
            write!(f, ": {d}")?;
        }
        Ok(())
    }
}

pub type Row = Vec<Option<String>>;

/// The result of one query: rows, and the type oid of each result column.
#[derive(Debug, Default)]
pub struct QueryResult {
    pub rows: Vec<Row>,
    pub column_types: Vec<u32>,
}

pub struct Conn {
    stream: TcpStream,
}

impl Conn {
    fn open(port: u16, database: &str) -> Result<Conn, String> {
        let stream = TcpStream::connect(("127.0.0.1", port))
            .map_err(|e| format!("connect to 127.0.0.1:{port}: {e}"))?;
        let _ = stream.set_nodelay(true);
        let mut conn = Conn { stream };
        let mut body = Vec::new();
        body.extend_from_slice(&196608u32.to_be_bytes());
        for (k, v) in [
            ("user", "postgres"),
            ("database", database),
            ("client_encoding", "UTF8"),
        ] {
            body.extend_from_slice(k.as_bytes());
            body.push(0);
            body.extend_from_slice(v.as_bytes());
            body.push(0);
        }
        body.push(0);
        let mut msg = ((body.len() + 4) as u32).to_be_bytes().to_vec();
        msg.extend_from_slice(&body);
        conn.stream.write_all(&msg).map_err(|e| e.to_string())?;
        conn.read_until_ready()
            .map_err(|e| format!("startup: {e}"))?
            .map_err(|e| format!("startup: {e}"))?;
        Ok(conn)
    }

    /// Runs one simple query (which may hold several statements); the rows of the last result.
    pub fn query_typed(&mut self, sql: &str) -> Result<QueryResult, PgError> {
        let mut msg = vec![b'Q'];
        msg.extend_from_slice(&((sql.len() + 5) as u32).to_be_bytes());
        msg.extend_from_slice(sql.as_bytes());
        msg.push(0);
        self.stream.write_all(&msg).map_err(io_error)?;
        self.read_until_ready().map_err(|e| PgError {
            code: "io".into(),
            message: e,
            detail: None,
        })?
    }

    pub fn query(&mut self, sql: &str) -> Result<Vec<Row>, PgError> {
        self.query_typed(sql).map(|r| r.rows)
    }

    pub fn execute(&mut self, sql: &str) -> Result<(), PgError> {
        self.query_typed(sql).map(|_| ())
    }

    /// Reads messages until ReadyForQuery. The outer error is a broken connection; the inner
    /// one what the server said.
    fn read_until_ready(&mut self) -> Result<Result<QueryResult, PgError>, String> {
        let mut result = QueryResult::default();
        let mut error = None;
        loop {
            let mut head = [0u8; 5];
            self.stream
                .read_exact(&mut head)
                .map_err(|e| format!("reading from the server: {e}"))?;
            let len = u32::from_be_bytes([head[1], head[2], head[3], head[4]]) as usize;
            let mut body = vec![0u8; len.saturating_sub(4)];
            self.stream
                .read_exact(&mut body)
                .map_err(|e| format!("reading from the server: {e}"))?;
            match head[0] {
                b'R' => {
                    let code = be32(&body, 0);
                    if code != 0 {
                        return Err(format!(
                            "the server asks for authentication method {code}; the test \
                             cluster is initialised with trust"
                        ));
                    }
                }
                b'T' => {
                    // A new result set: keep only the last one's rows.
                    result = QueryResult::default();
                    let n = u16::from_be_bytes([body[0], body[1]]) as usize;
                    let mut at = 2;
                    for _ in 0..n {
                        let nul = body[at..].iter().position(|&b| b == 0).unwrap_or(0);
                        at += nul + 1;
                        result.column_types.push(be32(&body, at + 6));
                        at += 18;
                    }
                }
                b'D' => {
                    let n = u16::from_be_bytes([body[0], body[1]]) as usize;
                    let mut at = 2;
                    let mut row = Vec::with_capacity(n);
                    for _ in 0..n {
                        let len = be32(&body, at) as i32;
                        at += 4;
                        if len < 0 {
                            row.push(None);
                        } else {
                            let len = len as usize;
                            row.push(Some(String::from_utf8_lossy(&body[at..at + len]).into()));
                            at += len;
                        }
                    }
                    result.rows.push(row);
                }
                b'E' => error = Some(parse_error(&body)),
                b'Z' => {
                    return Ok(match error {
                        Some(e) => Err(e),
                        None => Ok(result),
                    });
                }
                b'G' | b'H' => {
                    return Err("COPY is not supported by the test client".to_string());
                }
                // ParameterStatus, BackendKeyData, CommandComplete, EmptyQuery, Notice.
                _ => {}
            }
        }
    }
}

impl Drop for Conn {
    fn drop(&mut self) {
        let _ = self.stream.write_all(&[b'X', 0, 0, 0, 4]);
    }
}

fn be32(b: &[u8], at: usize) -> u32 {
    u32::from_be_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

fn io_error(e: std::io::Error) -> PgError {
    PgError {
        code: "io".into(),
        message: e.to_string(),
        detail: None,
    }
}

fn parse_error(body: &[u8]) -> PgError {
    let mut e = PgError {
        code: String::new(),
        message: String::new(),
        detail: None,
    };
    for field in body.split(|&b| b == 0) {
        let Some((&kind, text)) = field.split_first() else {
            continue;
        };
        let text = String::from_utf8_lossy(text).into_owned();
        match kind {
            b'C' => e.code = text,
            b'M' => e.message = text,
            b'D' => e.detail = Some(text),
            _ => {}
        }
    }
    e
}
