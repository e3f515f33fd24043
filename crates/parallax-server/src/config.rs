//! Server configuration: one struct, read from flags or `PARALLAX_*` environment variables.

use std::net::SocketAddr;
use std::path::PathBuf;

#[derive(Debug, Clone, clap::Args)]
pub struct Config {
    /// Address to listen on.
    #[arg(long, env = "PARALLAX_BIND", default_value = "127.0.0.1:8088")]
    pub bind: SocketAddr,

    /// Directory holding the database, the token-signing secret and nothing else.
    #[arg(long, env = "PARALLAX_DATA_DIR", default_value = "./data")]
    pub data_dir: PathBuf,

    /// Largest accepted request body, in bytes (after decompression for OTLP).
    #[arg(long, env = "PARALLAX_MAX_BODY_BYTES", default_value_t = 32 * 1024 * 1024)]
    pub max_body_bytes: usize,

    /// Most distinct tags on one trace or span.
    #[arg(long, env = "PARALLAX_MAX_TAGS", default_value_t = 50)]
    pub max_tags: usize,

    /// Most metadata keys on one trace or span.
    #[arg(long, env = "PARALLAX_MAX_METADATA_KEYS", default_value_t = 64)]
    pub max_metadata_keys: usize,

    /// Requests per second each API key may make (a burst of twice as many is allowed); 0 turns
    /// the limit off. Over it, the answer is 429 with `Retry-After`.
    #[arg(long, env = "PARALLAX_RATE_LIMIT_PER_SECOND", default_value_t = 500)]
    pub rate_limit_per_second: u32,

    /// On first start, becomes an admin API key with exactly this value.
    #[arg(long, env = "PARALLAX_INIT_API_KEY", hide_env_values = true)]
    pub init_api_key: Option<String>,

    /// On first start, the e-mail of the console's first admin.
    #[arg(long, env = "PARALLAX_INIT_ADMIN_EMAIL")]
    pub init_admin_email: Option<String>,

    /// On first start, the password of the console's first admin.
    #[arg(long, env = "PARALLAX_INIT_ADMIN_PASSWORD", hide_env_values = true)]
    pub init_admin_password: Option<String>,
}

impl Config {
    pub fn limits(&self) -> parallax_model::Limits {
        parallax_model::Limits {
            max_tags: self.max_tags,
            max_metadata_keys: self.max_metadata_keys,
        }
    }

    /// A configuration for tests and embedded use: everything default but the data directory.
    pub fn for_data_dir(data_dir: PathBuf) -> Config {
        Config {
            bind: ([127, 0, 0, 1], 0).into(),
            data_dir,
            max_body_bytes: 32 * 1024 * 1024,
            max_tags: 50,
            max_metadata_keys: 64,
            rate_limit_per_second: 500,
            init_api_key: None,
            init_admin_email: None,
            init_admin_password: None,
        }
    }
}
