//! The send loop: throttle, attempt, classify, decide, wait, repeat inside the deadline.

use std::borrow::Cow;
use std::pin::Pin;
use std::time::{Duration, Instant};

use http::Method;
use tracing::level_filters::LevelFilter;
use tracing::{Instrument, Level, Span, debug, debug_span, field, info_span, warn};

use super::attempt::{self, Wire};
use super::decide::{self, Decision, Seen};
use super::{HttpClient, RequestContext, Response};
use crate::classify::{Classification, RateLimitScope};
use crate::error::{HttpError, HttpErrorKind};
use crate::redact;
use crate::throttle::Blocked;

/// A deadline that is, in practice, never reached (a year).
const FAR_FUTURE: Duration = Duration::from_secs(365 * 24 * 3600);

/// What is fixed for the whole request.
struct Plan<'a> {
    ctx: &'a RequestContext,
    method: Method,
    /// The path for errors: the template, or the URL path with secret query values redacted.
    shown_path: Cow<'a, str>,
    category: Cow<'a, str>,
    /// When `send` was called.
    started: Instant,
    deadline: Instant,
    replayable: bool,
    max_attempts: u32,
    /// The wire timeout of each attempt (before the deadline shortens it).
    timeout: Duration,
}

/// The entry point of [`HttpClient::send`]: on the first poll, plans the request and runs the
/// attempts inside the request's span. The whole request is one heap allocation, so the caller's
/// future stays small (moving it costs a pointer, not the retry loop's state).
pub(super) fn send<'a>(
    client: &'a HttpClient,
    request: reqwest::Request,
    ctx: &'a RequestContext,
) -> Pin<Box<impl Future<Output = Result<Response, HttpError>> + Send + 'a>> {
    let mut original = Some(request);
    // An `async` block, not an `async fn`: the arguments of an `async fn` are stored twice.
    Box::pin(async move {
        // Planned when first polled, not when `send` is called: the deadline counts from the
        // request's start, and the span's parent is the span the caller polls it in.
        let Some(request) = original.as_mut() else {
            return Err(HttpError::new(HttpErrorKind::InvalidRequest, "-", "-"));
        };
        if request.timeout().is_some_and(Duration::is_zero) {
            let path = redact::redacted_path_and_query(request.url());
            let error =
                HttpError::new(HttpErrorKind::InvalidRequest, request.method().as_str(), &path);
            return Err(error.with_detail(
                "the request's timeout is zero: every attempt would time out at once; give it a duration",
            ));
        }
        let (plan, span) = plan(client, request, ctx);
        // A span nobody listens to is not entered on every poll.
        let Some(span) = span else {
            return run(client, &mut original, &plan).await;
        };
        let result = run(client, &mut original, &plan).instrument(span.clone()).await;
        let attempts = match &result {
            Ok(response) => response.attempts,
            Err(error) => error.attempts(),
        };
        span.record("attempts", attempts);
        result
    })
}

/// What is fixed for the whole request, and its span. Not part of the future: its locals would
/// be.
fn plan<'a>(
    client: &HttpClient,
    request: &mut reqwest::Request,
    ctx: &'a RequestContext,
) -> (Plan<'a>, Option<Span>) {
    let method = request.method().clone();
    // Logs name the request by its template, else by the URL's path; errors add the query
    // (redacted) when there is no template.
    let shown_path = match &ctx.api_path {
        // A template without a query has nothing to redact: borrowed, not copied.
        Some(path) => redact::redact_path_str(path),
        None => Cow::Owned(redact::redacted_path_and_query(request.url())),
    };
    let log_path = if ctx.api_path.is_some() { &*shown_path } else { request.url().path() };
    let category = match &ctx.category {
        Some(category) => Cow::Borrowed(category.as_str()),
        None => client
            .policy
            .category(&method, ctx.api_path.as_deref().unwrap_or(request.url().path()))
            .map_or(Cow::Borrowed("default"), Cow::Owned),
    };
    // Checked first: with tracing's `log` feature on (axum turns it on) and no subscriber, even
    // a disabled span's fields are handed to `log` on creation and on every record.
    // `None` rather than a disabled span: dropping a `Span` is a call, dropping `None` is not.
    let span = (Level::INFO <= LevelFilter::current())
        .then(|| {
            info_span!(
                "http.request",
                method = %method,
                path = %log_path,
                category = %category,
                attempts = field::Empty,
            )
        })
        .filter(|span| !span.is_disabled());

    // A streamed body cannot be replayed (reqwest buffers the others as bytes).
    let streamed = request.body().is_some_and(|body| body.as_bytes().is_none());
    // A timeout set on the request replaces the client's, as in reqwest; nango-http applies it
    // (reqwest would add a second timer). `timeout_mut` allocates reqwest's extension map:
    // only called when a timeout is set.
    let timeout = match request.timeout().copied() {
        Some(own) => {
            *request.timeout_mut() = None;
            own
        }
        None => client.timeouts.timeout(),
    };
    let started = client.clock.now();
    let plan = Plan {
        ctx,
        replayable: ctx.idempotency.allows_replay(&method),
        method,
        shown_path,
        category,
        started,
        // A deadline too far to represent is no deadline: never overflow the clock.
        deadline: started
            .checked_add(ctx.deadline.unwrap_or(client.retry.deadline))
            .unwrap_or_else(|| started + FAR_FUTURE),
        max_attempts: if streamed { 1 } else { client.retry.max_attempts.max(1) },
        timeout,
    };
    (plan, span)
}

async fn run(
    client: &HttpClient,
    original: &mut Option<reqwest::Request>,
    plan: &Plan<'_>,
) -> Result<Response, HttpError> {
    let mut attempt = 0;
    // The clock is read only when time may have passed: a throttle wait, a retry's sleep, an
    // attempt. Reads are not free (a system call on some virtual machines).
    let mut now = Some(plan.started);
    loop {
        attempt += 1;
        if let Some(key) = &plan.ctx.throttle_key {
            now = None;
            // Boxed: only throttled requests pay for the throttle's future (hundreds of bytes),
            // not every request's state.
            let acquired =
                Box::pin(client.throttle.acquire(key, &plan.category, Some(plan.deadline))).await;
            if let Err(Blocked { until, scope }) = acquired {
                debug!(attempt, ?scope, "not sent: the throttle blocks the key");
                return Err(error(plan, HttpErrorKind::RateLimited { scope }, attempt - 1)
                    .with_retry_at(Some(until))
                    .with_detail("blocked locally, no request sent"));
            }
        }

        let at = now.take().unwrap_or_else(|| client.clock.now());
        let remaining = plan.deadline.saturating_duration_since(at);
        if remaining.is_zero() {
            return Err(error(plan, HttpErrorKind::DeadlineExceeded, attempt - 1));
        }
        let span = attempt_span(attempt);
        // The request lives in a block that ends before the await: a local that is alive
        // across an await keeps a slot in this future's state, even after it is moved.
        let attempt_future = {
            // The last possible attempt sends the original; earlier ones send copies.
            let next = if attempt < plan.max_attempts {
                original.as_ref().and_then(copy_of)
            } else {
                original.take()
            };
            let Some(request) = next else {
                let kind = HttpErrorKind::InvalidRequest;
                let error = error(plan, kind, attempt - 1);
                return Err(error.with_detail("the body cannot be replayed"));
            };
            attempt::execute(&client.inner, &client.timeouts, request, plan.timeout.min(remaining))
        };
        let wire = match &span {
            None => attempt_future.await,
            Some(span) => attempt_future.instrument(span.clone()).await,
        };
        // Scoped, so that nothing of the failed attempt is kept across the retry's sleep.
        let wait = {
            let (seen, evidence) = match judge(client, plan, wire, span.as_ref(), attempt, at) {
                Outcome::Success(response) => {
                    client.budget.deposit_success();
                    return Ok(response);
                }
                Outcome::Failure(seen, evidence) => (seen, evidence),
            };
            let decision = decide::decide(&seen, plan.replayable);
            let failed = |kind| failure(client, plan, kind, attempt, &evidence);
            retry_wait(client, plan, &decision, attempt, failed)?
        };
        client.clock.sleep(wait).await;
    }
}

/// The span of one attempt, or `None` when nobody listens at debug level.
fn attempt_span(attempt: u32) -> Option<Span> {
    let span = (Level::DEBUG <= LevelFilter::current()).then(|| {
        debug_span!(
            "http.attempt",
            attempt,
            status = field::Empty,
            elapsed_ms = field::Empty,
            request_id = field::Empty,
        )
    });
    span.filter(|span| !span.is_disabled())
}

/// A copy of `request` for one attempt, or `None` when its body is a stream.
///
/// A request without a body is copied by hand: `reqwest::Request::try_clone` would allocate
/// reqwest's extension map twice for a timeout nango-http applies itself. One with a body goes
/// through `try_clone`, which shares the body by reference count instead of copying it.
/// (A copy made by hand has no `http` extensions: only requests converted from an
/// `http::Request` carry any, and their last attempt, which sends the original, keeps them.)
fn copy_of(request: &reqwest::Request) -> Option<reqwest::Request> {
    if request.body().is_some() {
        return request.try_clone();
    }
    let mut copy = reqwest::Request::new(request.method().clone(), request.url().clone());
    if !request.headers().is_empty() {
        *copy.headers_mut() = request.headers().clone();
    }
    *copy.version_mut() = request.version();
    Some(copy)
}

/// The wait before the next attempt, or the error that ends the request.
fn retry_wait(
    client: &HttpClient,
    plan: &Plan<'_>,
    decision: &Decision,
    attempt: u32,
    failed: impl Fn(HttpErrorKind) -> HttpError,
) -> Result<Duration, HttpError> {
    let now_utc = client.clock.now_utc();
    let server_wait = decision.server_at.map(|at| at.duration_since(now_utc).unwrap_or_default());
    let reset_wait = server_wait.unwrap_or_default().max(decision.floor);
    let reset_at = now_utc + reset_wait;

    if let (Some(scope), Some(key)) = (decision.block, &plan.ctx.throttle_key) {
        let until = match (scope, decision.server_at) {
            (RateLimitScope::Daily, None) => crate::throttle::next_utc_midnight(now_utc),
            _ => reset_at,
        };
        client.throttle.block_until(key, &plan.category, until, scope);
    }

    let reason = match decision.retry {
        Ok(reason) => reason,
        Err(detail) => {
            let at = match decision.block {
                Some(RateLimitScope::Daily | RateLimitScope::DailyPerResource) => {
                    decision.server_at.or(Some(crate::throttle::next_utc_midnight(now_utc)))
                }
                _ => decision.server_at,
            };
            debug!(attempt, detail = detail.unwrap_or("final outcome"), "not retried");
            let error = failed(decision.kind.clone()).with_retry_at(at);
            return Err(match detail {
                Some(detail) => error.with_detail(detail),
                None => error,
            });
        }
    };
    if attempt >= plan.max_attempts {
        debug!(attempt, reason, "not retried: no attempts left");
        let at = decision.server_at.or((!decision.floor.is_zero()).then_some(reset_at));
        return Err(failed(decision.kind.clone()).with_retry_at(at));
    }

    // The cap bounds what the server asks for; the jitter added to it never pushes a wait the
    // server asked for within the cap over it.
    if reset_wait > client.retry.max_delay {
        let wait_ms = millis(reset_wait);
        debug!(attempt, reason, wait_ms, "not retried: the wait passes the cap");
        return Err(failed(decision.kind.clone())
            .with_retry_at(Some(reset_at))
            .with_detail(format!("asked to wait {}, more than the cap", seconds(reset_wait))));
    }
    let backoff = client.retry.backoff(attempt, client.jitter.as_ref());
    let wait = (reset_wait + backoff).min(client.retry.max_delay);
    // A wait that ends at the deadline leaves no time for the attempt: fail now, while the
    // error can still name what the last attempt got.
    if client.clock.now() + wait >= plan.deadline {
        debug!(
            attempt,
            reason,
            wait_ms = millis(wait),
            "not retried: the wait passes the deadline"
        );
        let at = (!reset_wait.is_zero()).then_some(reset_at);
        return Err(failed(HttpErrorKind::DeadlineExceeded).with_retry_at(at));
    }
    if !client.budget.try_withdraw(decision.after_timeout) {
        warn!(attempt, reason, "retry budget spent: not retried");
        return Err(failed(HttpErrorKind::RetryBudgetExhausted));
    }
    debug!(attempt, reason, wait_ms = millis(wait), "retrying");
    Ok(wait)
}

/// What a failed attempt leaves for the error: the response, or a safe detail of the failure.
enum Evidence {
    Response(Response),
    Detail(String),
}

/// How one attempt ended: both sides are large, and either is as likely, so not a `Result`.
enum Outcome {
    Success(Response),
    Failure(Seen, Evidence),
}

/// Reads what one attempt produced through the policy, in the attempt's span.
fn judge(
    client: &HttpClient,
    plan: &Plan<'_>,
    wire: Wire,
    span: Option<&Span>,
    attempt: u32,
    started: Instant,
) -> Outcome {
    // The elapsed time only feeds logs: not measured when nothing listens.
    let elapsed = if span.is_none() && !tracing::enabled!(tracing::Level::DEBUG) {
        Duration::ZERO
    } else {
        client.clock.now().saturating_duration_since(started)
    };

    let _entered = span.map(|span| {
        span.record("elapsed_ms", millis(elapsed));
        span.enter()
    });
    match wire {
        Wire::Response { status, headers, body } => {
            let request_id = client.policy.request_id(&headers);
            if let Some(span) = span {
                span.record("status", status.as_u16());
                if let Some(id) = &request_id {
                    span.record("request_id", id.as_str());
                }
            }
            let api_path = plan.ctx.api_path.as_deref().unwrap_or(&plan.shown_path);
            let now_utc = client.clock.now_utc();
            let class = client.policy.classify_request(
                &plan.method,
                api_path,
                status,
                &headers,
                &body,
                now_utc,
            );
            feed_back(client, plan, &headers, &class);
            let id = request_id.as_deref().unwrap_or("-");
            debug!(
                status = status.as_u16(),
                elapsed_ms = millis(elapsed),
                request_id = id,
                "response"
            );
            let response = Response { status, headers, body, attempts: attempt, request_id };
            if class == Classification::Success {
                return Outcome::Success(response);
            }
            Outcome::Failure(Seen::Response { status, class }, Evidence::Response(response))
        }
        Wire::Connect { detail } => {
            debug!(elapsed_ms = millis(elapsed), %detail, "connect error");
            Outcome::Failure(Seen::Connect, Evidence::Detail(detail))
        }
        Wire::Timeout { sent, detail } => {
            debug!(elapsed_ms = millis(elapsed), sent, %detail, "timeout");
            Outcome::Failure(Seen::Timeout { sent }, Evidence::Detail(detail))
        }
        Wire::Transport { detail } => {
            debug!(elapsed_ms = millis(elapsed), %detail, "transport error");
            Outcome::Failure(Seen::Transport, Evidence::Detail(detail))
        }
    }
}

/// Tells the throttle what the response said, so keys without a known quota learn a pace.
fn feed_back(
    client: &HttpClient,
    plan: &Plan<'_>,
    headers: &http::HeaderMap,
    class: &Classification,
) {
    let Some(key) = &plan.ctx.throttle_key else {
        return;
    };
    if let Some(signal) = client.policy.rate_limit_signal(headers, client.clock.now_utc()) {
        client.throttle.observe_signal(key, &plan.category, &signal);
    }
    match class {
        Classification::Success => client.throttle.observe_outcome(key, &plan.category, false),
        Classification::RateLimited { scope, .. }
            if !matches!(scope, RateLimitScope::Daily | RateLimitScope::DailyPerResource) =>
        {
            client.throttle.observe_outcome(key, &plan.category, true);
        }
        _ => {}
    }
}

/// The error that ends the request after `attempts` attempts, with what the last one left.
fn failure(
    client: &HttpClient,
    plan: &Plan<'_>,
    kind: HttpErrorKind,
    attempts: u32,
    evidence: &Evidence,
) -> HttpError {
    let error = error(plan, kind, attempts);
    match evidence {
        Evidence::Response(response) => {
            let provider =
                client.policy.provider_error(response.status, &response.headers, &response.body);
            error
                .with_status(response.status)
                .with_provider_error(provider)
                .with_body(response.body.clone())
        }
        Evidence::Detail(detail) if detail.is_empty() => error,
        Evidence::Detail(detail) => error.with_detail(detail.clone()),
    }
}

fn error(plan: &Plan<'_>, kind: HttpErrorKind, attempts: u32) -> HttpError {
    HttpError::new(kind, plan.method.as_str(), &plan.shown_path).with_attempts(attempts)
}

/// A wait in seconds for messages: whole when it is, else to the millisecond ("1.5 s").
fn seconds(duration: Duration) -> String {
    if duration.subsec_nanos() == 0 {
        format!("{} s", duration.as_secs())
    } else {
        let text = format!("{:.3}", duration.as_secs_f64());
        format!("{} s", text.trim_end_matches('0').trim_end_matches('.'))
    }
}

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_are_shown_in_seconds_to_the_millisecond() {
        assert_eq!(seconds(Duration::from_secs(120)), "120 s");
        assert_eq!(seconds(Duration::from_millis(10_500)), "10.5 s");
        assert_eq!(seconds(Duration::from_millis(10_001)), "10.001 s");
        assert_eq!(seconds(Duration::from_micros(10_000_400)), "10 s");
    }
}
