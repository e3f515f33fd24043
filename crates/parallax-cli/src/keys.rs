//! `parallax keys`: API keys managed directly in a data directory (the server may be running;
//! SQLite lets both write safely).

use anyhow::{bail, Context};
use clap::{Args, Subcommand};
use parallax_server::auth::{generate_key, hash_key, key_prefix};
use parallax_store::{ControlStore, NewApiKey, Role};
use parallax_store_sqlite::SqliteStore;
use std::path::PathBuf;
use uuid::Uuid;

#[derive(Args)]
pub struct KeysArgs {
    /// The server's data directory.
    #[arg(long, env = "PARALLAX_DATA_DIR", default_value = "./data", global = true)]
    data_dir: PathBuf,
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
    let store = SqliteStore::open(&args.data_dir)
        .with_context(|| format!("cannot open the data directory {}", args.data_dir.display()))?;
    match args.action {
        Action::Create { name, role, projects } => {
            let role = Role::parse(&role).with_context(|| format!("unknown role {role:?}; use admin, annotator or viewer"))?;
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
            eprintln!("created key {} ({}); it is shown only this once:", made.id, made.role.as_str());
            println!("{key}");
        }
        Action::List => {
            println!("{:<36}  {:<12}  {:<9}  {:<8}  name", "id", "prefix", "role", "state");
            for k in store.api_keys()? {
                let state = if k.revoked_at.is_some() { "revoked" } else { "live" };
                println!("{:<36}  {:<12}  {:<9}  {:<8}  {}", k.id, k.prefix, k.role.as_str(), state, k.name);
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
