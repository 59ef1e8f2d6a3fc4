//! A refresh whose answer was lost, or that outlived its lease: the store is re-checked before
//! the refresh token is sent again, and the lease is held again before a retry.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use nango_http::Response;
use nango_http::{Clock, HttpClient, HttpError, HttpErrorKind, ManualClock, RequestContext};
use secrecy::{ExposeSecret, SecretString};
use wiremock::MockServer;

use crate::flow::exchange::Transport;
use crate::store::lease::LEASE_TTL;
use crate::store::{ConnectionRef, MemoryStore, TokenStore};
use crate::test_support::{DirectTransport, t0};
use crate::tests::lifecycle::{RotatingServer, Shared, client, stored, user_integration};

const ME: ConnectionRef<'static> = ConnectionRef { integration: "zoom", connection_id: "me" };

/// What the fake transport does to the first token request before reporting it lost.
#[derive(Debug, Clone, Copy)]
enum FirstAttempt {
    /// Another process saves a renewal meanwhile (it took the lease after ours expired).
    SavedElsewhere,
    /// The request takes longer than the lease lasts.
    OutlivesTheLease,
}

/// The first token request is "lost" (a timeout after sending); later ones go to the real
/// (wiremock) token endpoint. Records whether another holder could take the lease at the
/// time of the second request.
#[derive(Debug)]
struct LosingTransport {
    first: FirstAttempt,
    store: Arc<dyn TokenStore>,
    clock: ManualClock,
    sent: AtomicUsize,
    other_took_the_lease: AtomicUsize,
    direct: Arc<DirectTransport>,
}

#[async_trait]
impl Transport for LosingTransport {
    async fn send(
        &self,
        request: reqwest::Request,
        ctx: &RequestContext,
    ) -> Result<Response, HttpError> {
        let n = self.sent.fetch_add(1, Ordering::SeqCst);
        if n > 0 {
            let taken = self.store.try_lease(ME, "other", LEASE_TTL, self.clock.now_utc()).await;
            if taken.unwrap() {
                self.other_took_the_lease.fetch_add(1, Ordering::SeqCst);
            }
            return self.direct.send(request, ctx).await;
        }
        match self.first {
            FirstAttempt::SavedElsewhere => {
                let mut renewed = stored("zoom", "access-elsewhere", Some("refresh-9"), 3599, 0);
                renewed.updated_at = t0();
                self.store.put(&renewed).await.unwrap();
            }
            FirstAttempt::OutlivesTheLease => {
                self.clock.advance(LEASE_TTL + Duration::from_secs(5))
            }
        }
        Err(HttpError::new(HttpErrorKind::Timeout { sent: true }, "POST", "").with_attempts(1))
    }
}

async fn setup(first: FirstAttempt) -> (crate::OAuthClient, Arc<LosingTransport>, MockServer) {
    let server = MockServer::start().await;
    wiremock::Mock::given(wiremock::matchers::path("/oauth/token"))
        .respond_with(Shared(RotatingServer::new("refresh-0")))
        .mount(&server)
        .await;
    let store: Arc<dyn TokenStore> = Arc::new(MemoryStore::new());
    store.put(&stored("zoom", "access-0", Some("refresh-0"), 3599, 4000)).await.unwrap();
    let clock = ManualClock::new(t0());
    let shared: Arc<dyn Clock> = Arc::new(clock.clone());
    let http = HttpClient::builder().clock(shared).build().unwrap();
    let transport = Arc::new(LosingTransport {
        first,
        store: store.clone(),
        clock,
        sent: AtomicUsize::new(0),
        other_took_the_lease: AtomicUsize::new(0),
        direct: DirectTransport::new(),
    });
    let oauth = client(user_integration(&server), http, store, transport.clone());
    (oauth, transport, server)
}

#[tokio::test]
async fn a_lost_refresh_answer_saved_by_another_process_is_found_in_the_store_not_resent() {
    let (oauth, transport, server) = setup(FirstAttempt::SavedElsewhere).await;

    let token = oauth.access_token("me").await.unwrap();

    assert_eq!(token.secret().expose_secret(), "access-elsewhere");
    assert_eq!(transport.sent.load(Ordering::SeqCst), 1, "the refresh token was not sent again");
    assert!(server.received_requests().await.unwrap().is_empty());
    let kept = oauth.connection("me").await.unwrap();
    let refresh = kept.tokens.refresh_token.as_ref().map(SecretString::expose_secret);
    assert_eq!(refresh, Some("refresh-9"));
}

#[tokio::test]
async fn a_refresh_that_outlives_its_lease_takes_it_again_before_retrying() {
    let (oauth, transport, server) = setup(FirstAttempt::OutlivesTheLease).await;

    let token = oauth.access_token("me").await.unwrap();

    assert_eq!(token.secret().expose_secret(), "access-1");
    assert_eq!(transport.sent.load(Ordering::SeqCst), 2);
    assert_eq!(
        transport.other_took_the_lease.load(Ordering::SeqCst),
        0,
        "no other process may take the lease while the retry is in flight"
    );
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}
