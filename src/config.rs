//! The robot's configuration file (TOML). Its keys are a public interface.
//!
//! Every key has a default, so the robot runs with no file at all; `[imap]`
//! and `[smtp]` are needed only by the daemon and by `process` when it should
//! send replies itself.

use formrobot_engine::register::AsnRange;
use formrobot_engine::validate::registry_policy::RegistryPolicy;
use serde::Deserialize;
use std::path::PathBuf;

/// The address the robot answers from when nothing else names one.
pub const DEFAULT_ADDRESS: &str = "as-request@example.net";

/// The whole configuration.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The SQLite database file.
    #[serde(default = "default_database")]
    pub database: PathBuf,
    /// Mails larger than this are refused without being parsed.
    #[serde(default = "default_max_message_bytes")]
    pub max_message_bytes: u64,
    /// Replies one sender mailbox (From or Reply-To, case-folded, without a `+tag`) may receive per
    /// hour; later mails are recorded but not answered, and make no ticket.
    #[serde(default = "default_replies_per_hour")]
    pub replies_per_sender_per_hour: u32,
    /// The mailbox the robot watches.
    #[serde(default)]
    pub imap: Option<ImapConfig>,
    /// The server the robot sends replies through.
    #[serde(default)]
    pub smtp: Option<SmtpConfig>,
    /// What the registry gives out: AS number pools, its `source:`.
    #[serde(default)]
    pub registry: RegistryConfig,
    /// What the registry asks of every request: `min_neighbours`, `required_mnt_by`, `service_region`.
    #[serde(default)]
    pub policy: RegistryPolicy,
    /// Where `formrobot serve` listens, and how much it reads.
    #[serde(default)]
    pub http: HttpConfig,
    /// The upstream registry's Resource Request API that `formrobot forward` passes requests on to.
    #[serde(default)]
    pub upstream_api: Option<UpstreamApiConfig>,
    /// The operators' web console and the public check page (`formrobot serve`).
    #[serde(default)]
    pub console: ConsoleConfig,
}

/// `[console]`: the operators' web console and the public check page, served by `formrobot serve`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsoleConfig {
    /// A session not used for this long ends; the operator logs in again.
    #[serde(default = "default_session_idle_minutes")]
    pub session_idle_minutes: u32,
    /// Mark cookies `Secure` (sent only over HTTPS): set it when a TLS proxy is in front.
    #[serde(default)]
    pub secure_cookies: bool,
    /// Take the client's address from the last `X-Forwarded-For` entry (set it
    /// behind a reverse proxy that writes one, and only then: a client could
    /// write it otherwise).
    #[serde(default)]
    pub trust_forwarded_for: bool,
    /// Failed logins for one name, or from one address, within `login_window_minutes`
    /// after which logins are refused until the window has passed.
    #[serde(default = "default_login_failures")]
    pub max_login_failures: u32,
    /// The window failed logins are counted in.
    #[serde(default = "default_login_window_minutes")]
    pub login_window_minutes: u32,
    /// The largest form the public check page reads, in bytes.
    #[serde(default = "default_check_max_bytes")]
    pub check_max_bytes: usize,
    /// Forms one client address may check per minute on the public check page.
    #[serde(default = "default_checks_per_minute")]
    pub checks_per_minute: u32,
}

impl Default for ConsoleConfig {
    fn default() -> ConsoleConfig {
        ConsoleConfig {
            session_idle_minutes: default_session_idle_minutes(),
            secure_cookies: false,
            trust_forwarded_for: false,
            max_login_failures: default_login_failures(),
            login_window_minutes: default_login_window_minutes(),
            check_max_bytes: default_check_max_bytes(),
            checks_per_minute: default_checks_per_minute(),
        }
    }
}

fn default_session_idle_minutes() -> u32 {
    30
}
fn default_login_failures() -> u32 {
    5
}
fn default_login_window_minutes() -> u32 {
    15
}
fn default_check_max_bytes() -> usize {
    256 * 1024
}
fn default_checks_per_minute() -> u32 {
    20
}

/// `[http]`: the Resource Request API server (`formrobot serve`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HttpConfig {
    /// The address and port to listen on; TLS is a reverse proxy's work.
    #[serde(default = "default_listen")]
    pub listen: String,
    /// Request bodies larger than this are refused (413) before they are parsed.
    #[serde(default = "default_max_body_bytes")]
    pub max_body_bytes: usize,
}

impl Default for HttpConfig {
    fn default() -> HttpConfig {
        HttpConfig { listen: default_listen(), max_body_bytes: default_max_body_bytes() }
    }
}

fn default_listen() -> String {
    "127.0.0.1:8080".to_owned()
}
fn default_max_body_bytes() -> usize {
    8 * 1024 * 1024
}

/// `[upstream_api]`: the registry a sponsoring LIR passes its customers' requests on to.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpstreamApiConfig {
    /// The upstream API: one of its endpoints, e.g.
    /// `https://my.ripe.net/api/external/v1/request/asn/assignment` (each request goes to its own
    /// type's endpoint beside it), or its base, `https://my.ripe.net`.
    pub url: String,
    /// The environment variable holding the API key (never the key itself in the file).
    pub key_env: String,
    /// The country a forwarded request gives when none of its objects names one.
    #[serde(default)]
    pub country: Option<String>,
    /// The prefix length the AS will announce, which a mailed form does not ask.
    #[serde(default = "default_address_prefix")]
    pub address_prefix: String,
    /// How many times a transport failure is tried again before the forward gives up for now.
    #[serde(default = "default_forward_retries")]
    pub retries: u32,
    /// The first wait before trying again, doubled after each failure.
    #[serde(default = "default_forward_backoff_ms")]
    pub backoff_ms: u64,
    /// An extra trusted CA certificate (PEM).
    #[serde(default)]
    pub ca_file: Option<PathBuf>,
}

fn default_address_prefix() -> String {
    "24".to_owned()
}
fn default_forward_retries() -> u32 {
    4
}
fn default_forward_backoff_ms() -> u64 {
    500
}

/// `[registry]`: what approval gives out.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegistryConfig {
    /// AS number ranges approval assigns from, lowest free first: `["AS64496-AS64511"]`.
    /// One undifferentiated pool of 16- and 32-bit numbers (RIPE policy, section 5.0).
    #[serde(default = "default_asn_pools", deserialize_with = "asn_pools")]
    pub asn_pools: Vec<AsnRange>,
    /// The `source:` of registered objects; by default the form's registry (`RIPE`, `APNIC`).
    #[serde(default)]
    pub source: Option<String>,
}

impl Default for RegistryConfig {
    fn default() -> RegistryConfig {
        RegistryConfig { asn_pools: default_asn_pools(), source: None }
    }
}

/// The documentation ranges of RFC 5398: a robot on its defaults never hands out a real number.
fn default_asn_pools() -> Vec<AsnRange> {
    vec![AsnRange { first: 64496, last: 64511 }, AsnRange { first: 65536, last: 65551 }]
}

fn asn_pools<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Vec<AsnRange>, D::Error> {
    let texts = Vec::<String>::deserialize(deserializer)?;
    texts.iter().map(|text| text.parse().map_err(serde::de::Error::custom)).collect()
}

impl Default for Config {
    fn default() -> Config {
        Config {
            database: default_database(),
            max_message_bytes: default_max_message_bytes(),
            replies_per_sender_per_hour: default_replies_per_hour(),
            imap: None,
            smtp: None,
            registry: RegistryConfig::default(),
            policy: RegistryPolicy::default(),
            http: HttpConfig::default(),
            upstream_api: None,
            console: ConsoleConfig::default(),
        }
    }
}

impl Config {
    /// Reads a configuration from TOML text.
    pub fn from_toml(text: &str) -> Result<Config, toml::de::Error> {
        toml::from_str(text)
    }

    /// What is wrong with the values (the keys and types are checked on reading), in words.
    pub fn problems(&self) -> Vec<String> {
        let mut problems = self.policy.problems();
        let console = &self.console;
        for (value, key) in [
            (console.session_idle_minutes, "session_idle_minutes"),
            (console.max_login_failures, "max_login_failures"),
            (console.login_window_minutes, "login_window_minutes"),
            (console.checks_per_minute, "checks_per_minute"),
        ] {
            if value == 0 {
                problems.push(format!("[console] {key} must be at least 1"));
            }
        }
        if console.check_max_bytes == 0 {
            problems.push("[console] check_max_bytes must be at least 1".to_owned());
        }
        problems
    }

    /// The robot's own address: `[smtp] from`, else an address-shaped `[imap] username`, else the default.
    pub fn robot_address(&self) -> &str {
        if let Some(smtp) = &self.smtp {
            return &smtp.from;
        }
        match &self.imap {
            Some(imap) if imap.username.contains('@') => &imap.username,
            _ => DEFAULT_ADDRESS,
        }
    }
}

/// How a connection is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Security {
    /// TLS from the first byte.
    Tls,
    /// Plain, upgraded with STARTTLS.
    Starttls,
    /// No encryption (loopback tests only).
    None,
}

/// `[imap]`: the robot's mailbox.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImapConfig {
    /// Server host name or address.
    pub host: String,
    /// Server port.
    #[serde(default = "default_imap_port")]
    pub port: u16,
    /// How the connection is secured.
    #[serde(default = "default_tls")]
    pub security: Security,
    /// An extra trusted CA certificate (PEM), for self-signed servers.
    #[serde(default)]
    pub ca_file: Option<PathBuf>,
    /// Login name.
    pub username: String,
    /// Password, or
    #[serde(default)]
    pub password: Option<String>,
    /// the environment variable holding it.
    #[serde(default)]
    pub password_env: Option<String>,
    /// The mailbox new mail arrives in.
    #[serde(default = "default_mailbox")]
    pub mailbox: String,
    /// Where processed mail is moved.
    #[serde(default = "default_processed")]
    pub processed_mailbox: String,
    /// Where mail that keeps failing is moved.
    #[serde(default = "default_quarantine")]
    pub quarantine_mailbox: String,
    /// Use IDLE where the server offers it.
    #[serde(default = "default_true")]
    pub idle: bool,
    /// Poll interval when IDLE is not used; with IDLE, the longest wait between two looks at the mailbox.
    #[serde(default = "default_poll_seconds")]
    pub poll_seconds: u64,
}

/// `[smtp]`: how replies leave.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmtpConfig {
    /// Server host name or address.
    pub host: String,
    /// Server port.
    #[serde(default = "default_smtp_port")]
    pub port: u16,
    /// How the connection is secured.
    #[serde(default = "default_starttls")]
    pub security: Security,
    /// An extra trusted CA certificate (PEM), for self-signed servers.
    #[serde(default)]
    pub ca_file: Option<PathBuf>,
    /// Login name, if the server wants one.
    #[serde(default)]
    pub username: Option<String>,
    /// Password, or
    #[serde(default)]
    pub password: Option<String>,
    /// the environment variable holding it.
    #[serde(default)]
    pub password_env: Option<String>,
    /// The robot's address: the sender of every reply.
    pub from: String,
    /// How many connections a backlog of replies is sent over at once.
    #[serde(default = "default_smtp_connections")]
    pub connections: usize,
}

fn default_smtp_connections() -> usize {
    4
}
fn default_database() -> PathBuf {
    PathBuf::from(formrobot_store::DEFAULT_PATH)
}
fn default_max_message_bytes() -> u64 {
    10 * 1024 * 1024
}
fn default_replies_per_hour() -> u32 {
    20
}
fn default_imap_port() -> u16 {
    993
}
fn default_smtp_port() -> u16 {
    587
}
fn default_tls() -> Security {
    Security::Tls
}
fn default_starttls() -> Security {
    Security::Starttls
}
fn default_mailbox() -> String {
    "INBOX".into()
}
fn default_processed() -> String {
    "Processed".into()
}
fn default_quarantine() -> String {
    "Quarantine".into()
}
fn default_true() -> bool {
    true
}
fn default_poll_seconds() -> u64 {
    30
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_file_gives_the_defaults() {
        let config = Config::from_toml("").expect("valid");
        assert_eq!(config.max_message_bytes, 10_485_760);
        assert_eq!(config.replies_per_sender_per_hour, 20);
        assert_eq!(config.database, PathBuf::from("formrobot.db"));
        assert_eq!(config.robot_address(), DEFAULT_ADDRESS);
    }

    #[test]
    fn reads_the_documented_keys() {
        let config = Config::from_toml(
            r#"
            database = "robot.db"
            max_message_bytes = 1000
            [imap]
            host = "127.0.0.1"
            port = 993
            security = "tls"
            ca_file = "/path/ca.pem"
            username = "as-request@example.net"
            password_env = "FORMROBOT_IMAP_PASSWORD"
            mailbox = "INBOX"
            processed_mailbox = "Processed"
            quarantine_mailbox = "Quarantine"
            idle = true
            poll_seconds = 30
            [smtp]
            host = "127.0.0.1"
            port = 587
            security = "starttls"
            username = "robot"
            password = "secret"
            from = "robot@example.org"
            "#,
        )
        .expect("valid");
        assert_eq!(config.robot_address(), "robot@example.org");
        assert_eq!(config.imap.as_ref().map(|i| i.security), Some(Security::Tls));
        assert_eq!(config.smtp.as_ref().map(|s| s.security), Some(Security::Starttls));
    }

    #[test]
    fn asn_pools_are_ranges() {
        assert_eq!(Config::default().registry.asn_pools.len(), 2);
        let config =
            Config::from_toml("[registry]\nasn_pools = [\"AS65000-AS65009\", \"AS4200000000\"]\nsource = \"TEST\"\n")
                .expect("valid");
        assert_eq!(
            config.registry.asn_pools,
            [AsnRange { first: 65000, last: 65009 }, AsnRange { first: 4_200_000_000, last: 4_200_000_000 }]
        );
        assert_eq!(config.registry.source.as_deref(), Some("TEST"));
        let bad = Config::from_toml("[registry]\nasn_pools = [\"AS65009-AS65000\"]\n").expect_err("refused");
        assert!(bad.to_string().contains("is not a range of AS numbers"), "{bad}");
    }

    #[test]
    fn the_policy_has_defaults_and_is_checked() {
        assert_eq!(Config::default().policy, RegistryPolicy::default());
        let config = Config::from_toml(
            "[policy]\nmin_neighbours = 1\nrequired_mnt_by = \"SERVPERSO-MNT\"\nservice_region = [\"FR\", \"BE\"]\n",
        )
        .expect("valid");
        assert_eq!(config.policy.min_neighbours, 1);
        assert_eq!(config.policy.required_mnt_by.as_deref(), Some("SERVPERSO-MNT"));
        assert!(config.problems().is_empty());
        let bad =
            Config::from_toml("[policy]\nmin_neighbours = 0\nservice_region = [\"XX\", \"FRA\"]\n").expect("reads");
        assert_eq!(bad.problems().len(), 3, "{:?}", bad.problems());
        assert!(Config::from_toml("[policy]\nmin_neighbors = 2\n").is_err(), "a misspelt key is refused");
    }

    #[test]
    fn unknown_keys_are_refused() {
        assert!(Config::from_toml("max_mesage_bytes = 5").is_err());
    }
}

#[cfg(test)]
mod example_tests {
    use super::*;

    #[test]
    fn the_shipped_example_configuration_is_valid() {
        let text = include_str!("../contrib/formrobot.example.toml");
        let config = Config::from_toml(text).expect("the example parses");
        assert_eq!(config.robot_address(), "as-request@example.net");
        assert!(config.imap.is_some() && config.smtp.is_some());
        assert_eq!(config.registry.asn_pools, RegistryConfig::default().asn_pools);
        assert_eq!(config.policy, RegistryPolicy::default());
    }
}
