//! `parallax keys`: API keys managed directly in a data directory (the server may be running;
//! SQLite lets both write safely), or over HTTP with an admin key when `--url` (or
//! `PARALLAX_URL`) is given, for a server on another machine.

use anyhow::{bail, Context};
use clap::{Args, Subcommand};
use parallax_server::auth::{generate_key, hash_key, key_prefix};
use parallax_store::{ControlStore, NewApiKey, Role};
use parallax_store_sqlite::SqliteStore;
use std::path::PathBuf;
use uuid::Uuid;

#[derive(Args)]
#[command(
    after_help = "With --url or PARALLAX_URL the keys are managed over HTTP (needs an unlimited admin key in \
--api-key / PARALLAX_API_KEY); otherwise directly in --data-dir."
)]
pub struct KeysArgs {
    /// The server's data directory.
    #[arg(
        long,
        env = "PARALLAX_DATA_DIR",
        default_value = "./data",
        global = true
    )]
    data_dir: PathBuf,
    /// Manage the keys of the server at this URL over HTTP instead of in --data-dir.
    #[arg(long, env = "PARALLAX_URL", global = true)]
    url: Option<String>,
    /// An admin API key, for --url.
    #[arg(long, env = "PARALLAX_API_KEY", hide_env_values = true, global = true)]
    api_key: Option<String>,
    #[command(subcommand)]
    action: Action,
}

#[derive(Subcommand)]
enum Action {
    /// Create a key and print it once.
    Create {
        /// A name to recognise the key by.
        #[arg(long, default_value = "api key")]
        name: String,
        /// admin, annotator or viewer.
        #[arg(long, default_value = "annotator")]
        role: String,
        /// Limit the key to these project names or ids (repeatable). Default: every project.
        #[arg(long = "project")]
        projects: Vec<String>,
    },
    /// List keys (never their secrets).
    List,
    /// Revoke a key by id or prefix.
    Revoke { id_or_prefix: String },
}

pub fn run(args: KeysArgs) -> anyhow::Result<()> {
    if let Some(url) = &args.url {
        return over_http(url, args.api_key.as_deref(), args.action);
    }
    let store = SqliteStore::open(&args.data_dir)
        .with_context(|| format!("cannot open the data directory {}", args.data_dir.display()))?;
    match args.action {
        Action::Create {
            name,
            role,
            projects,
        } => {
            let role = Role::parse(&role).with_context(|| {
                format!("unknown role {role:?}; use admin, annotator or viewer")
            })?;
            let scope = if projects.is_empty() {
                None
            } else {
                let mut ids = Vec::new();
                for p in &projects {
                    let found = match Uuid::parse_str(p) {
                        Ok(id) => store.project(id)?,
                        Err(_) => store.project_by_name(p)?,
                    };
                    match found {
                        Some(project) => ids.push(project.id),
                        None => bail!("no project named or with id {p:?}"),
                    }
                }
                Some(ids)
            };
            let key = generate_key();
            let made = store.create_api_key(NewApiKey {
                name,
                prefix: key_prefix(&key),
                hash: hash_key(&key),
                role,
                projects: scope,
            })?;
            eprintln!(
                "created key {} ({}); it is shown only this once:",
                made.id,
                made.role.as_str()
            );
            println!("{key}");
        }
        Action::List => {
            println!(
                "{:<36}  {:<12}  {:<9}  {:<8}  name",
                "id", "prefix", "role", "state"
            );
            for k in store.api_keys()? {
                let state = if k.revoked_at.is_some() {
                    "revoked"
                } else {
                    "live"
                };
                println!(
                    "{:<36}  {:<12}  {:<9}  {:<8}  {}",
                    k.id,
                    k.prefix,
                    k.role.as_str(),
                    state,
                    k.name
                );
            }
        }
        Action::Revoke { id_or_prefix } => {
            if !store.revoke_api_key(&id_or_prefix)? {
                bail!("no live key has the id or prefix {id_or_prefix:?}");
            }
            eprintln!("revoked");
        }
    }
    Ok(())
}

/// The same actions against `POST/GET /api/v1/keys` of a running server.
fn over_http(url: &str, api_key: Option<&str>, action: Action) -> anyhow::Result<()> {
    crate::remote::block_on(async move {
        let remote = crate::remote::Remote::with(url, api_key)?;
        match action {
            Action::Create {
                name,
                role,
                projects,
            } => {
                let scope = (!projects.is_empty()).then_some(projects);
                let body = serde_json::json!({"name": name, "role": role, "projects": scope});
                let made = remote.post("/api/v1/keys", &body).await?;
                let key = made["key"]
                    .as_str()
                    .context("the server answered without a key")?;
                eprintln!(
                    "created key {} ({}); it is shown only this once:",
                    made["id"].as_str().unwrap_or("?"),
                    made["role"].as_str().unwrap_or("?")
                );
                println!("{key}");
            }
            Action::List => {
                let all = remote.get("/api/v1/keys", &[]).await?;
                println!(
                    "{:<36}  {:<12}  {:<9}  {:<8}  name",
                    "id", "prefix", "role", "state"
                );
                for k in all["keys"].as_array().into_iter().flatten() {
                    let f = |name: &str| k[name].as_str().unwrap_or("").to_owned();
                    println!(
                        "{:<36}  {:<12}  {:<9}  {:<8}  {}",
                        f("id"),
                        f("prefix"),
                        f("role"),
                        f("state"),
                        f("name")
                    );
                }
            }
            Action::Revoke { id_or_prefix } => {
                remote
                    .post(
                        &format!("/api/v1/keys/{id_or_prefix}/revoke"),
                        &serde_json::json!({}),
                    )
                    .await?;
                eprintln!("revoked");
            }
        }
        Ok(())
    })
}
