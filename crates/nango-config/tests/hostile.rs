//! Malformed and hostile files: each gives a clear error, none panics.

mod common;

use std::fmt::Write as _;

use common::env;
use nango_config::{Config, ConfigError};

fn billion_laughs() -> String {
    let mut yaml = String::from(
        "a0: &a0 [\"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\"]\n",
    );
    for level in 1..10 {
        let previous = format!("*a{}", level - 1);
        let items = [previous.as_str(); 8].join(", ");
        writeln!(yaml, "a{level}: &a{level} [{items}]").expect("write to a String");
    }
    yaml.push_str("integrations: {}\n");
    yaml
}

fn deep_block_nesting(levels: usize) -> String {
    let mut yaml = String::from("integrations:\n");
    for level in 0..levels {
        writeln!(yaml, "{}k{level}:", "  ".repeat(level + 1)).expect("write to a String");
    }
    yaml
}

fn cases() -> Vec<(&'static str, String)> {
    let zoom = "integrations:\n  zoom:\n    extends_blueprint: zoom:v0\n    oauth_client_id: a\n";
    vec![
        ("empty file", String::new()),
        ("only a comment", "# nothing here\n".into()),
        ("only whitespace", "   \n\n  \n".into()),
        ("only a document marker", "---\n".into()),
        ("top level is a list", "- zoom\n- github\n".into()),
        ("top level is a scalar", "integrations\n".into()),
        ("top level is null", "~\n".into()),
        ("integrations is null", "integrations:\n".into()),
        ("integrations is a list", "integrations:\n  - zoom\n".into()),
        ("duplicate top-level key", "integrations: {}\nintegrations: {}\n".into()),
        ("duplicate integration", format!("{zoom}  zoom:\n    extends_blueprint: zoom:v0\n")),
        ("duplicate key in an integration", format!("{zoom}    oauth_client_id: b\n")),
        ("two documents", "integrations: {}\n---\nintegrations: {}\n".into()),
        ("unclosed flow mapping", "integrations: {zoom: [1, 2\n".into()),
        ("tab indentation", "integrations:\n\tzoom: {}\n".into()),
        ("unclosed quote", "integrations:\n  zoom:\n    oauth_client_id: \"abc\n".into()),
        ("alias bomb", billion_laughs()),
        ("deep flow nesting", format!("integrations: {}{}\n", "[".repeat(5000), "]".repeat(5000))),
        ("deep block nesting", deep_block_nesting(200)),
        ("undefined alias", "integrations: *nowhere\n".into()),
        ("self-referencing alias", "a: &a [*a]\nintegrations: {}\n".into()),
        ("NUL byte", "integrations: {}\n\0\n".into()),
        ("larger than 1 MiB", format!("integrations: {{}}\n# {}\n", "x".repeat(1024 * 1024))),
        ("bell character", "integrations: {}\nx: \u{7}\n".into()),
        ("very long unknown key", format!("integrations: {{}}\n{}: 1\n", "k".repeat(100_000))),
        ("mapping as a key", "integrations:\n  ? {a: b}\n  : {}\n".into()),
        ("null as an integration name", "integrations:\n  ~: {}\n".into()),
        ("merge key of a scalar", "integrations:\n  zoom:\n    <<: 3\n".into()),
        ("scopes as a mapping", format!("{zoom}    oauth_scopes: {{read: yes}}\n")),
        ("blueprint reference as a list", "integrations:\n  zoom:\n    extends_blueprint: [zoom, v0]\n    oauth_client_id: a\n".into()),
        ("client id as a mapping", "integrations:\n  zoom:\n    extends_blueprint: zoom:v0\n    oauth_client_id: {x: 1}\n".into()),
        ("integer overflow", format!("{zoom}    retry: {{ max_attempts: 99999999999999999999 }}\n")),
        ("float for an integer", format!("{zoom}    retry: {{ max_attempts: 1e3 }}\n")),
        ("binary tag on a string", "integrations:\n  zoom:\n    extends_blueprint: !!binary aGVsbG8=\n    oauth_client_id: a\n".into()),
        ("custom tag", "integrations: !vault {}\nextra: 1\n".into()),
        ("blueprints_dir that does not exist", "blueprints_dir: no/such/folder\nintegrations: {}\n".into()),
        ("blueprints_dir as a list", "blueprints_dir: [a]\nintegrations: {}\n".into()),
        ("overrides of a list", format!("{zoom}    overrides: {{ api: [1] }}\n")),
    ]
}

fn render(error: &ConfigError) -> String {
    error.to_string().replace(env!("CARGO_MANIFEST_DIR"), "<crate>")
}

#[test]
fn hostile_files_give_clear_errors() {
    let mut shown = String::new();
    let cases = cases();
    assert!(cases.len() >= 30);
    for (name, yaml) in cases {
        let result = std::panic::catch_unwind(|| Config::parse(&yaml, "integrations.yaml", &env));
        let error = match result {
            Ok(Ok(_)) => panic!("{name}: accepted"),
            Ok(Err(error)) => error,
            Err(_) => panic!("{name}: panicked"),
        };
        assert!(!error.to_string().is_empty(), "{name}");
        writeln!(shown, "## {name}\n{}\n", render(&error)).expect("write to a String");
    }
    insta::assert_snapshot!("hostile_files", shown);
}

#[test]
fn binary_and_non_utf8_files_are_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut shown = String::new();
    let files: [(&str, Vec<u8>); 3] = [
        ("latin1.yaml", b"integrations:\n  zoom:\n    oauth_client_id: caf\xe9\n".to_vec()),
        ("garbage.yaml", (0u16..512).map(|i| (i.wrapping_mul(7919) % 256) as u8).collect()),
        ("png.yaml", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec()),
    ];
    for (name, bytes) in files {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).expect("write");
        let error = Config::load_with_env(&path, &env).expect_err(name);
        let text = error.to_string().replace(&dir.path().display().to_string(), "<tmp>");
        writeln!(shown, "## {name}\n{text}\n").expect("write to a String");
    }
    insta::assert_snapshot!("binary_files", shown);
}

#[test]
fn windows_line_endings_and_a_bom_are_fine() {
    let yaml = "\u{feff}integrations:\r\n  zoom:\r\n    extends_blueprint: zoom:v0\r\n    \
                oauth_client_id: abc\r\n";
    let config = Config::parse(yaml, "integrations.yaml", &env).expect("valid");
    assert_eq!(config.integration("zoom").expect("zoom").oauth_client_id, "abc");
}

/// A deterministic pseudo-random sequence (xorshift), so the mutation test is reproducible.
struct Xorshift(u64);

impl Xorshift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

#[test]
fn mutated_files_never_panic() {
    let valid = "integrations:\n  zoom:\n    extends_blueprint: zoom:v0\n    \
                 oauth_client_id: abc\n    oauth_client_secret: ${ZOOM_CLIENT_SECRET}\n    \
                 oauth_scopes: [meeting:read, \"user:read\"]\n    overrides:\n      auth: \
                 { token_url: \"http://127.0.0.1:${SANDBOX_PORT:-1}/t\" }\n      api:\n        \
                 retry: { max_attempts: 3 }\n        rate_limits: { plans: { pro: { Light: \
                 { per_second: 3 } } } }\n    a: &x [1, 2]\n    b: *x\n";
    let alphabet: &[u8] = b" \n\t:-[]{}&*!|>'\"%@`#,?$\\0aZ~.";
    let mut rng = Xorshift(0x9E37_79B9_7F4A_7C15);
    for round in 0..3000 {
        let mut bytes = valid.as_bytes().to_vec();
        for _ in 0..1 + rng.below(4) {
            let at = rng.below(bytes.len());
            match rng.below(4) {
                0 => bytes[at] = alphabet[rng.below(alphabet.len())],
                1 => {
                    bytes.remove(at);
                }
                2 => bytes.insert(at, alphabet[rng.below(alphabet.len())]),
                _ => bytes.truncate(at),
            }
            if bytes.is_empty() {
                break;
            }
        }
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let outcome =
            std::panic::catch_unwind(|| Config::parse(&text, "integrations.yaml", &env).err());
        match outcome {
            Ok(Some(error)) => {
                let shown = error.to_string();
                assert!(!shown.is_empty(), "round {round}");
                assert!(!shown.contains("SECRET-VALUE"), "round {round}: {shown}");
            }
            Ok(None) => {}
            Err(_) => panic!("round {round} panicked on:\n{text}"),
        }
    }
}
