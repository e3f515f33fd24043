//! Startup: open the store, make sure a secret and a first key exist, build the router, serve.

use crate::auth::{generate_key, hash_key, key_prefix};
use crate::config::Config;
use crate::routes;
use crate::state::AppState;
use anyhow::Context;
use parallax_store::{NewApiKey, Role};
use parallax_store_sqlite::SqliteStore;
use std::future::Future;
use std::path::Path;
use std::sync::Arc;
use tokio::net::TcpListener;

/// Binds `config.bind` and serves until ctrl-c.
pub async fn run(config: Config) -> anyhow::Result<()> {
    let listener = TcpListener::bind(config.bind)
        .await
        .with_context(|| format!("cannot listen on {}", config.bind))?;
    let shutdown = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    serve(config, listener, shutdown).await
}

/// Serves on an already bound listener until `shutdown` completes.
pub async fn serve(
    config: Config,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let state = open_state(config).await?;
    let addr = listener.local_addr()?;
    tracing::info!(%addr, data_dir = %state.config.data_dir.display(), "parallax listening");
    axum::serve(listener, routes::router(state))
        .with_graceful_shutdown(shutdown)
        .await?;
    Ok(())
}

/// Opens the data directory and prepares everything a first start needs.
pub async fn open_state(config: Config) -> anyhow::Result<AppState> {
    let dir = config.data_dir.clone();
    let store = tokio::task::spawn_blocking(move || SqliteStore::open(&dir))
        .await?
        .with_context(|| format!("cannot open the store in {}", config.data_dir.display()))?;
    let secret = load_or_create_secret(&config.data_dir)?;
    let state = AppState {
        store: Arc::new(store),
        secret: secret.into(),
        limits: config.limits(),
        rate: Arc::new(crate::rate::RateLimiter::new(config.rate_limit_per_second)),
        ingest_slots: Arc::new(tokio::sync::Semaphore::new(crate::state::ingest_slots())),
        config: Arc::new(config),
    };
    ensure_first_key(&state).await?;
    routes::console::ensure_first_admin(&state).await?;
    Ok(state)
}

/// The token-signing secret lives in the data directory, readable by the owner only.
fn load_or_create_secret(dir: &Path) -> anyhow::Result<Vec<u8>> {
    let path = dir.join("secret.key");
    if let Ok(text) = std::fs::read_to_string(&path) {
        return hex::decode(text.trim()).with_context(|| format!("{} is not hex", path.display()));
    }
    let mut secret = vec![0u8; 32];
    getrandom::getrandom(&mut secret).map_err(|e| anyhow::anyhow!("no OS randomness: {e}"))?;
    std::fs::write(&path, hex::encode(&secret))
        .with_context(|| format!("cannot write {}", path.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))?;
    }
    Ok(secret)
}

/// With no key at all, the server would be unusable: create an admin key from
/// `PARALLAX_INIT_API_KEY`, or a random one printed once.
async fn ensure_first_key(state: &AppState) -> anyhow::Result<()> {
    let keys = state
        .store(|s| s.api_keys())
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    if !keys.is_empty() {
        return Ok(());
    }
    let (key, generated) = match &state.config.init_api_key {
        Some(k) if !k.is_empty() => (k.clone(), false),
        _ => (generate_key(), true),
    };
    let new = NewApiKey {
        name: "initial admin key".into(),
        prefix: key_prefix(&key),
        hash: hash_key(&key),
        role: Role::Admin,
        projects: None,
    };
    state
        .store(move |s| s.create_api_key(new))
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    if generated {
        // Printed once, on stdout, because it is never stored in clear.
        println!("Created the first admin API key (shown only this once):\n\n    {key}\n");
    } else {
        tracing::info!("created the admin API key given in PARALLAX_INIT_API_KEY");
    }
    Ok(())
}
