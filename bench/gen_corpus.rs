//! Writes a generated migration history for the benchmarks (`bench/run`):
//! `cargo run --release --example gen-corpus -- --kind sql|alembic|django --count N [--seed S] OUT`.

#[path = "corpus.rs"]
mod corpus;

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    match parse(std::env::args().skip(1)) {
        Ok((kind, count, seed, out)) => match corpus::generate(kind, count, seed, &out) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("error: {}: {e}", out.display());
                ExitCode::FAILURE
            }
        },
        Err(e) => {
            eprintln!(
                "error: {e}\nusage: gen-corpus --kind sql|alembic|django --count N [--seed S] OUT"
            );
            ExitCode::from(2)
        }
    }
}

fn parse(
    mut args: impl Iterator<Item = String>,
) -> Result<(corpus::Kind, usize, u64, PathBuf), String> {
    let (mut kind, mut count, mut seed, mut out) = (None, None, 1, None);
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or(format!("{arg} needs a value"));
        match arg.as_str() {
            "--kind" => {
                kind = Some(match value()?.as_str() {
                    "sql" => corpus::Kind::Sql,
                    "alembic" => corpus::Kind::Alembic,
                    "django" => corpus::Kind::Django,
                    other => return Err(format!("unknown kind `{other}`")),
                })
            }
            "--count" => count = Some(value()?.parse().map_err(|e| format!("--count: {e}"))?),
            "--seed" => seed = value()?.parse().map_err(|e| format!("--seed: {e}"))?,
            _ if out.is_none() && !arg.starts_with('-') => out = Some(PathBuf::from(arg)),
            _ => return Err(format!("unexpected argument `{arg}`")),
        }
    }
    Ok((
        kind.ok_or("--kind is required")?,
        count.ok_or("--count is required")?,
        seed,
        out.ok_or("the output folder is required")?,
    ))
}
