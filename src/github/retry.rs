//! Bounded retries for GitHub API calls.
//!
//! octocrab's own retry layer sleeps in real time (up to the rate-limit reset), which would make
//! tests slow and a CI step hang; we switch it off and retry here, with the time source behind
//! [`Clock`] so tests run instantly and can assert the waits.

use std::future::Future;
use std::time::Duration;

use super::api::ApiError;

/// Time source and sleeper for retries.
pub trait Clock: Sync {
    /// Seconds since the Unix epoch (to interpret `x-ratelimit-reset`).
    fn now_unix(&self) -> u64;
    /// Wait for `duration`.
    fn sleep(&self, duration: Duration) -> impl Future<Output = ()> + Send;
}

/// The real clock: system time and tokio's timer.
#[derive(Debug, Clone, Copy, Default)]
pub struct TokioClock;

impl Clock for TokioClock {
    fn now_unix(&self) -> u64 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or_default()
    }

    fn sleep(&self, duration: Duration) -> impl Future<Output = ()> + Send {
        tokio::time::sleep(duration)
    }
}

/// Default overall budget for all GitHub work of one run ([`Deadline`]).
pub const DEFAULT_GITHUB_DEADLINE: Duration = Duration::from_secs(60);

/// The moment by which all GitHub work of one run must be done, whatever the server does.
///
/// Retries never sleep past it, and [`Deadline::run`] cuts off whatever is still running when
/// it passes (a server dripping bytes just often enough to beat the idle timeout, say). Real
/// time (tokio's clock), not [`Clock`]: it bounds real waiting.
#[derive(Debug, Clone, Copy)]
pub struct Deadline {
    at: tokio::time::Instant,
    budget: Duration,
}

impl Deadline {
    /// A deadline `budget` from now.
    pub fn after(budget: Duration) -> Self {
        Deadline {
            at: tokio::time::Instant::now() + budget,
            budget,
        }
    }

    /// The budget it was made with (for messages).
    pub fn budget(&self) -> Duration {
        self.budget
    }

    /// Whether waiting `wait` from now would pass the deadline.
    fn overrun_by(&self, wait: Duration) -> bool {
        tokio::time::Instant::now() + wait >= self.at
    }

    /// Run `work`, or fail with [`ApiError::DeadlineExceeded`] (naming `what`) when the
    /// deadline passes first.
    pub async fn run<T, E: From<ApiError>>(
        &self,
        what: &str,
        work: impl Future<Output = Result<T, E>>,
    ) -> Result<T, E> {
        match tokio::time::timeout_at(self.at, work).await {
            Ok(result) => result,
            Err(_) => Err(E::from(ApiError::DeadlineExceeded {
                what: what.to_string(),
                budget: self.budget,
                last: None,
            })),
        }
    }
}

/// How hard to retry. Each wait is also bounded by the run's [`Deadline`]; the defaults fit a
/// hung server's four attempts (idle timeout each) and their backoff into the default deadline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Retries after the first attempt.
    pub max_retries: u32,
    /// First backoff delay; doubled on each retry.
    pub base_delay: Duration,
    /// Upper bound for one backoff delay.
    pub max_delay: Duration,
    /// Longest wait we accept for a rate-limit reset; beyond it we give up with a clear error.
    pub max_rate_limit_wait: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_retries: 3,
            base_delay: Duration::from_secs(1),
            max_delay: Duration::from_secs(16),
            max_rate_limit_wait: Duration::from_secs(60),
        }
    }
}

/// Why a failed call may (or may not) be retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Verdict {
    /// Do not retry (client error, decode error).
    Final,
    /// Retry after exponential backoff (5xx, transport error, 429 without hints).
    Backoff,
    /// Retry after exactly this wait (rate limit with headers).
    Wait(Duration),
}

fn verdict(err: &ApiError, clock: &impl Clock) -> Verdict {
    match err {
        ApiError::Transport(_) => Verdict::Backoff,
        ApiError::Decode(_)
        | ApiError::TooLarge { .. }
        | ApiError::DeadlineExceeded { .. }
        | ApiError::RateLimited { .. }
        | ApiError::RetriesExhausted { .. } => Verdict::Final,
        ApiError::Status {
            status,
            retry_after,
            rate_limit_remaining,
            rate_limit_reset,
            ..
        } => {
            let limited = matches!(status, 403 | 429);
            if limited && let Some(secs) = retry_after {
                return Verdict::Wait(Duration::from_secs(*secs));
            }
            if limited && *rate_limit_remaining == Some(0) {
                let reset = rate_limit_reset.unwrap_or_default();
                // One extra second: the reset timestamp is inclusive.
                let secs = reset.saturating_sub(clock.now_unix()) + 1;
                return Verdict::Wait(Duration::from_secs(secs));
            }
            if *status == 429 || (500..600).contains(status) {
                Verdict::Backoff
            } else {
                Verdict::Final
            }
        }
    }
}

/// Whether a failed write may have taken effect anyway: no answer (transport error, timeout)
/// or a server error. Blindly repeating such a create could post a duplicate.
pub fn is_ambiguous(err: &ApiError) -> bool {
    match err {
        ApiError::Transport(_) => true,
        ApiError::Status { status, .. } => (500..600).contains(status),
        _ => false,
    }
}

/// Run `call` until it succeeds, fails for good, retries are exhausted, or the next wait would
/// pass `deadline`.
///
/// `what` names the operation in the final error ("list comments on acme/rules#7").
pub async fn with_retries<T, F, Fut>(
    policy: &RetryPolicy,
    clock: &impl Clock,
    deadline: &Deadline,
    what: &str,
    mut call: F,
) -> Result<T, ApiError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, ApiError>>,
{
    let mut attempt = 0u32;
    loop {
        let err = match call().await {
            Ok(v) => return Ok(v),
            Err(e) => e,
        };
        let wait = match verdict(&err, clock) {
            Verdict::Final => return Err(err),
            Verdict::Backoff => {
                let factor = 2u32.saturating_pow(attempt);
                policy
                    .base_delay
                    .saturating_mul(factor)
                    .min(policy.max_delay)
            }
            Verdict::Wait(d) if d > policy.max_rate_limit_wait => {
                return Err(ApiError::RateLimited {
                    what: what.to_string(),
                    wait_secs: d.as_secs(),
                    source: Box::new(err),
                });
            }
            Verdict::Wait(d) => d,
        };
        if attempt >= policy.max_retries {
            return Err(ApiError::RetriesExhausted {
                what: what.to_string(),
                attempts: attempt + 1,
                source: Box::new(err),
            });
        }
        if deadline.overrun_by(wait) {
            return Err(ApiError::DeadlineExceeded {
                what: what.to_string(),
                budget: deadline.budget(),
                last: Some(err.to_string()),
            });
        }
        attempt += 1;
        clock.sleep(wait).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::RefCell;
    use std::sync::Mutex;

    /// Records sleeps instead of sleeping.
    #[derive(Debug, Default)]
    struct FakeClock {
        now: u64,
        slept: Mutex<Vec<Duration>>,
    }

    impl Clock for FakeClock {
        fn now_unix(&self) -> u64 {
            self.now
        }
        fn sleep(&self, duration: Duration) -> impl Future<Output = ()> + Send {
            if let Ok(mut s) = self.slept.lock() {
                s.push(duration);
            }
            std::future::ready(())
        }
    }

    fn status(code: u16) -> ApiError {
        ApiError::Status {
            status: code,
            message: "boom".into(),
            retry_after: None,
            rate_limit_remaining: None,
            rate_limit_reset: None,
        }
    }

    fn run(
        results: Vec<Result<u32, ApiError>>,
        clock: &FakeClock,
    ) -> (Result<u32, ApiError>, usize) {
        let queue = RefCell::new(results.into_iter());
        let calls = RefCell::new(0usize);
        let policy = RetryPolicy::default();
        let deadline = Deadline::after(Duration::from_secs(3600));
        let fut = with_retries(&policy, clock, &deadline, "test call", || {
            *calls.borrow_mut() += 1;
            let next = queue.borrow_mut().next().unwrap_or(Err(status(599)));
            std::future::ready(next)
        });
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let out = rt.block_on(fut);
        (out, calls.into_inner())
    }

    #[test]
    fn server_errors_back_off_exponentially() {
        let clock = FakeClock::default();
        let (out, calls) = run(vec![Err(status(502)), Err(status(503)), Ok(7)], &clock);
        assert_eq!(out.unwrap(), 7);
        assert_eq!(calls, 3);
        assert_eq!(
            *clock.slept.lock().unwrap(),
            [Duration::from_secs(1), Duration::from_secs(2)]
        );
    }

    #[test]
    fn gives_up_after_max_retries() {
        let clock = FakeClock::default();
        let (out, calls) = run(vec![], &clock);
        assert_eq!(calls, 4);
        let err = out.unwrap_err();
        assert!(matches!(
            err,
            ApiError::RetriesExhausted { attempts: 4, .. }
        ));
        assert!(err.to_string().contains("test call"), "{err}");
        assert_eq!(clock.slept.lock().unwrap().len(), 3);
    }

    #[test]
    fn plain_client_errors_are_final() {
        for code in [400, 401, 403, 404, 422] {
            let clock = FakeClock::default();
            let (out, calls) = run(vec![Err(status(code))], &clock);
            assert_eq!(calls, 1, "{code}");
            assert!(matches!(out, Err(ApiError::Status { status, .. }) if status == code));
        }
    }

    #[test]
    fn secondary_rate_limit_honours_retry_after_and_reset() {
        let clock = FakeClock {
            now: 1_000,
            ..FakeClock::default()
        };
        let retry_after = ApiError::Status {
            status: 403,
            message: "secondary rate limit".into(),
            retry_after: Some(5),
            rate_limit_remaining: None,
            rate_limit_reset: None,
        };
        let reset = ApiError::Status {
            status: 429,
            message: "rate limit".into(),
            retry_after: None,
            rate_limit_remaining: Some(0),
            rate_limit_reset: Some(1_010),
        };
        let (out, _) = run(vec![Err(retry_after), Err(reset), Ok(1)], &clock);
        assert_eq!(out.unwrap(), 1);
        assert_eq!(
            *clock.slept.lock().unwrap(),
            [Duration::from_secs(5), Duration::from_secs(11)]
        );
    }

    #[test]
    fn long_rate_limit_waits_fail_fast() {
        let clock = FakeClock::default();
        let long = ApiError::Status {
            status: 429,
            message: "rate limit".into(),
            retry_after: Some(3600),
            rate_limit_remaining: None,
            rate_limit_reset: None,
        };
        let (out, calls) = run(vec![Err(long)], &clock);
        assert_eq!(calls, 1);
        let err = out.unwrap_err();
        assert!(err.to_string().contains("3600"), "{err}");
        assert!(clock.slept.lock().unwrap().is_empty());
    }

    #[test]
    fn never_sleeps_past_the_deadline() {
        let clock = FakeClock::default();
        let calls = RefCell::new(0usize);
        let deadline = Deadline::after(Duration::from_millis(1500));
        let policy = RetryPolicy::default();
        let fut = with_retries(&policy, &clock, &deadline, "list", || {
            *calls.borrow_mut() += 1;
            std::future::ready(Err::<u32, _>(status(502)))
        });
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let err = rt.block_on(fut).unwrap_err();
        // The 1 s backoff fits in 1.5 s; the next one (2 s) would not, so no second sleep.
        assert_eq!(calls.into_inner(), 2);
        assert_eq!(*clock.slept.lock().unwrap(), [Duration::from_secs(1)]);
        let text = err.to_string();
        assert!(matches!(err, ApiError::DeadlineExceeded { .. }), "{text}");
        assert!(
            text.contains("list: stopped at the overall deadline"),
            "{text}"
        );
        assert!(
            text.contains("last error: GitHub API returned HTTP 502"),
            "{text}"
        );
    }

    #[test]
    fn deadline_cuts_off_running_work() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .unwrap();
        let deadline = Deadline::after(Duration::from_millis(50));
        let started = std::time::Instant::now();
        let out: Result<(), ApiError> = rt.block_on(deadline.run("post", async {
            tokio::time::sleep(Duration::from_secs(30)).await;
            Ok(())
        }));
        assert!(started.elapsed() < Duration::from_secs(5));
        assert!(matches!(
            out,
            Err(ApiError::DeadlineExceeded { last: None, .. })
        ));
    }

    #[test]
    fn ambiguous_failures() {
        assert!(is_ambiguous(&ApiError::Transport("reset".into())));
        assert!(is_ambiguous(&status(500)));
        assert!(is_ambiguous(&status(502)));
        for code in [400, 403, 404, 422, 429] {
            assert!(!is_ambiguous(&status(code)), "{code}");
        }
        assert!(!is_ambiguous(&ApiError::Decode("x".into())));
    }

    #[test]
    fn default_retries_of_a_hung_server_fit_the_default_deadline() {
        let policy = RetryPolicy::default();
        let idle = crate::github::HttpLimits::default().idle_timeout;
        let attempts = policy.max_retries + 1;
        let backoff: Duration = (0..policy.max_retries)
            .map(|i| (policy.base_delay * 2u32.pow(i)).min(policy.max_delay))
            .sum();
        assert!(idle * attempts + backoff < DEFAULT_GITHUB_DEADLINE);
    }
}
