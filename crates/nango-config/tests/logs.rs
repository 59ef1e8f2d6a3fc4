//! What the crate logs: a warning to pin an unpinned blueprint, and never a secret.

mod common;

use std::io::Write;
use std::sync::{Arc, Mutex};

use common::{parse, zoom_with};

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("not poisoned").extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Runs `f` with every event at TRACE level captured; returns the log text.
fn capture(f: impl FnOnce()) -> String {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    tracing::subscriber::with_default(subscriber, f);
    let bytes = captured.0.lock().expect("not poisoned").clone();
    String::from_utf8(bytes).expect("UTF-8 logs")
}

#[test]
fn unpinned_blueprint_warns_to_pin_it() {
    let logs = capture(|| {
        parse("integrations:\n  zoom:\n    extends_blueprint: zoom\n    oauth_client_id: abc\n")
            .expect("valid");
    });
    assert!(logs.contains("WARN"), "{logs}");
    assert!(logs.contains("integration=zoom"), "{logs}");
    assert!(logs.contains("blueprint=zoom:v0"), "{logs}");
    assert!(logs.contains("Pin it: `extends_blueprint: zoom:v0`"), "{logs}");
}

#[test]
fn pinned_blueprint_does_not_warn() {
    let logs = capture(|| {
        parse(&zoom_with("")).expect("valid");
    });
    assert!(!logs.contains("WARN"), "{logs}");
}

#[test]
fn secrets_never_reach_logs_or_debug() {
    let yaml = zoom_with(
        "    overrides:\n      api: { default_headers: { X-Api-Key: \"${ZOOM_CLIENT_SECRET}\" } }\n      \
         auth: { token_params: { client_assertion: \"${ZOOM_CLIENT_SECRET}\" } }\n",
    );
    let mut debug = String::new();
    let logs = capture(|| {
        let config = parse(&yaml).expect("valid");
        debug = format!("{config:?}");
        let _ = config.redacted_yaml();
        let _ = config.integration("nope");
    });
    assert!(!logs.contains("SECRET-VALUE"), "{logs}");
    assert!(!debug.contains("SECRET-VALUE"), "{debug}");
    assert!(debug.contains("<redacted>"), "{debug}");
}
