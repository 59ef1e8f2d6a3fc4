//! The shared state of one running sandbox: apps, codes, tokens, accounts, counters.

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use chrono::{DateTime, NaiveDate, Utc};

use crate::clock::SandboxClock;
use crate::config::{ClientApp, SandboxConfig};
use crate::control::Stats;
use crate::faults::Faults;
use crate::meeting::Meeting;
use crate::ratelimit::RateLimiter;
use crate::seed::{self, User};

/// The settings fixed at start.
#[derive(Debug, Clone)]
pub(crate) struct Settings {
    pub(crate) base_url: String,
    pub(crate) api_url: String,
    pub(crate) seed_users: usize,
    pub(crate) access_token_ttl: Duration,
    pub(crate) refresh_token_ttl: Duration,
    pub(crate) single_active_s2s_token: bool,
}

/// A consent page waiting for "Allow".
#[derive(Debug, Clone)]
pub(crate) struct PendingAuth {
    pub(crate) client_id: String,
    pub(crate) redirect_uri: String,
    pub(crate) state: Option<String>,
    pub(crate) challenge: Option<(String, String)>,
}

/// An authorization code: single use, expires 5 minutes after issue.
#[derive(Debug, Clone)]
pub(crate) struct AuthCode {
    pub(crate) client_id: String,
    pub(crate) redirect_uri: String,
    /// `(code_challenge, method)`, method `S256` or `plain`.
    pub(crate) challenge: Option<(String, String)>,
    pub(crate) expires_at: DateTime<Utc>,
}

/// How a token was obtained.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Grant {
    /// User-level OAuth (authorization code, then refresh).
    User,
    /// Server-to-Server OAuth (`account_credentials`).
    Account,
    /// Chatbot (`client_credentials`).
    Chatbot,
}

/// An access token.
#[derive(Debug, Clone)]
pub(crate) struct AccessToken {
    pub(crate) client_id: String,
    pub(crate) account_id: String,
    pub(crate) grant: Grant,
    /// The granted scopes.
    pub(crate) scopes: Vec<String>,
    pub(crate) expires_at: DateTime<Utc>,
    pub(crate) revoked: bool,
    /// The refresh token issued with it, if any.
    pub(crate) refresh: Option<String>,
}

/// A refresh token; exactly one is alive per authorization (rotation).
#[derive(Debug, Clone)]
pub(crate) struct RefreshToken {
    pub(crate) client_id: String,
    pub(crate) expires_at: DateTime<Utc>,
    /// The access token issued with it.
    pub(crate) access: String,
}

/// Where a `next_page_token` continues: the query it belongs to and the last key returned.
#[derive(Debug, Clone)]
pub(crate) struct PageCursor {
    pub(crate) query: String,
    pub(crate) after: i64,
    pub(crate) page_number: u64,
    pub(crate) expires_at: DateTime<Utc>,
}

/// One Zoom account: its users (shared by every app on it) and their meetings.
#[derive(Debug)]
pub(crate) struct Account {
    pub(crate) users: Vec<User>,
    pub(crate) meetings: BTreeMap<i64, Meeting>,
    /// Meeting create/update requests per host user id today (the 100/day per-user cap).
    pub(crate) writes: HashMap<String, (NaiveDate, u32)>,
}

impl Account {
    /// Finds a user by id, email (case-insensitive) or `me` (the owner).
    pub(crate) fn user(&self, user_id: &str) -> Option<&User> {
        if user_id == "me" {
            return self.users.first();
        }
        self.users.iter().find(|u| u.id == user_id || u.email.eq_ignore_ascii_case(user_id))
    }
}

/// Everything that requests change.
#[derive(Debug, Default)]
pub(crate) struct Store {
    pub(crate) accounts: HashMap<String, Account>,
    pub(crate) pending: HashMap<String, PendingAuth>,
    pub(crate) codes: HashMap<String, AuthCode>,
    pub(crate) access: HashMap<String, AccessToken>,
    pub(crate) refresh: HashMap<String, RefreshToken>,
    pub(crate) pages: HashMap<String, PageCursor>,
}

impl Store {
    /// The account, seeded with its users on first use.
    pub(crate) fn account(&mut self, account_id: &str, seed_users: usize) -> &mut Account {
        account_in(&mut self.accounts, account_id, seed_users)
    }
}

/// The account in `accounts`, seeded on first use (for callers that borrow the store by field).
pub(crate) fn account_in<'a>(
    accounts: &'a mut HashMap<String, Account>,
    account_id: &str,
    seed_users: usize,
) -> &'a mut Account {
    accounts.entry(account_id.to_owned()).or_insert_with(|| Account {
        users: seed::users(account_id, seed_users),
        meetings: BTreeMap::new(),
        writes: HashMap::new(),
    })
}

/// The state of one sandbox, shared by every handler and by the control handle.
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) settings: Settings,
    pub(crate) clock: SandboxClock,
    pub(crate) faults: Faults,
    pub(crate) limiter: RateLimiter,
    pub(crate) store: Mutex<Store>,
    auto_approve: AtomicBool,
    clients: Mutex<Vec<ClientApp>>,
    stats: Mutex<Stats>,
}

impl Shared {
    pub(crate) fn new(cfg: &SandboxConfig, base_url: String) -> Self {
        let settings = Settings {
            api_url: cfg.api_url.clone().unwrap_or_else(|| base_url.clone()),
            base_url,
            seed_users: cfg.seed_users,
            access_token_ttl: cfg.access_token_ttl,
            refresh_token_ttl: cfg.refresh_token_ttl,
            single_active_s2s_token: cfg.single_active_s2s_token,
        };
        Self {
            limiter: RateLimiter::new(cfg.plan)
                .with_per_second_multiplier(cfg.per_second_multiplier),
            settings,
            clock: SandboxClock::default(),
            faults: Faults::default(),
            store: Mutex::default(),
            auto_approve: AtomicBool::new(cfg.auto_approve),
            clients: Mutex::new(cfg.clients.clone()),
            stats: Mutex::default(),
        }
    }

    /// Locks the store (a poisoned lock is taken over: the sandbox keeps serving).
    pub(crate) fn store(&self) -> std::sync::MutexGuard<'_, Store> {
        self.store.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The registered app with this client id.
    pub(crate) fn client(&self, client_id: &str) -> Option<ClientApp> {
        let clients = self.clients.lock().unwrap_or_else(|e| e.into_inner());
        clients.iter().find(|c| c.client_id == client_id).cloned()
    }

    /// Registers an app, replacing one with the same client id.
    pub(crate) fn add_client(&self, app: ClientApp) {
        let mut clients = self.clients.lock().unwrap_or_else(|e| e.into_inner());
        clients.retain(|c| c.client_id != app.client_id);
        clients.push(app);
    }

    pub(crate) fn auto_approve(&self) -> bool {
        self.auto_approve.load(Ordering::SeqCst)
    }

    pub(crate) fn set_auto_approve(&self, on: bool) {
        self.auto_approve.store(on, Ordering::SeqCst);
    }

    /// Changes the counters.
    pub(crate) fn stats_mut(&self, change: impl FnOnce(&mut Stats)) {
        change(&mut self.stats.lock().unwrap_or_else(|e| e.into_inner()));
    }

    /// A copy of the counters.
    pub(crate) fn stats(&self) -> Stats {
        self.stats.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}
