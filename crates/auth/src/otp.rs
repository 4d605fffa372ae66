//! E-mail verification codes: six digits, valid for ten minutes, five wrong tries at most.

use chrono::{DateTime, Duration, Utc};
use rand::Rng;
use souk_kernel::UserId;

use crate::secret::{digest, digests_equal};

/// How long a code is valid.
pub const OTP_TTL: Duration = Duration::minutes(10);
/// Wrong tries allowed before the code is locked until a new one is sent.
pub const MAX_OTP_ATTEMPTS: i32 = 5;

/// The pending code of an account (at most one; a new one replaces it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailOtp {
    /// The account.
    pub user_id: UserId,
    /// Digest of the code.
    pub code_hash: String,
    /// When the code stops working.
    pub expires_at: DateTime<Utc>,
    /// Wrong tries so far.
    pub attempts: i32,
    /// When it was sent.
    pub created_at: DateTime<Utc>,
}

/// Why a code was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OtpRefusal {
    /// No code is pending.
    Missing,
    /// The code is older than ten minutes.
    Expired,
    /// Five wrong tries: locked until a new code is sent.
    Locked,
    /// Wrong code; this many tries remain.
    Wrong {
        /// Tries left before the lock.
        remaining: i32,
    },
}

fn code_digest(user: UserId, code: &str) -> String {
    digest(&format!("otp:{user}"), code)
}

/// A fresh code and its stored form.
pub fn issue_otp(user: UserId, now: DateTime<Utc>) -> (String, EmailOtp) {
    let code = format!("{:06}", rand::thread_rng().gen_range(0..1_000_000));
    let otp = EmailOtp {
        user_id: user,
        code_hash: code_digest(user, &code),
        expires_at: now + OTP_TTL,
        attempts: 0,
        created_at: now,
    };
    (code, otp)
}

/// Checks a submitted code. On `Wrong`, the caller must store the incremented attempt count.
pub fn check_otp(otp: Option<&EmailOtp>, code: &str, now: DateTime<Utc>) -> Result<(), OtpRefusal> {
    let otp = otp.ok_or(OtpRefusal::Missing)?;
    if otp.attempts >= MAX_OTP_ATTEMPTS {
        return Err(OtpRefusal::Locked);
    }
    if now >= otp.expires_at {
        return Err(OtpRefusal::Expired);
    }
    if !digests_equal(&code_digest(otp.user_id, code.trim()), &otp.code_hash) {
        return Err(OtpRefusal::Wrong { remaining: MAX_OTP_ATTEMPTS - otp.attempts - 1 });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_six_digits_and_verify() {
        let now = Utc::now();
        let (code, otp) = issue_otp(UserId::new(), now);
        assert_eq!(code.len(), 6);
        assert!(code.bytes().all(|b| b.is_ascii_digit()));
        assert_eq!(check_otp(Some(&otp), &code, now + Duration::minutes(9)), Ok(()));
    }

    #[test]
    fn codes_expire_after_ten_minutes() {
        let now = Utc::now();
        let (code, otp) = issue_otp(UserId::new(), now);
        assert_eq!(check_otp(Some(&otp), &code, now + Duration::minutes(10)), Err(OtpRefusal::Expired));
    }

    #[test]
    fn five_wrong_tries_lock_the_code() {
        let now = Utc::now();
        let (code, mut otp) = issue_otp(UserId::new(), now);
        let wrong = if code == "000000" { "000001" } else { "000000" };
        for expected in (0..5).rev() {
            assert_eq!(check_otp(Some(&otp), wrong, now), Err(OtpRefusal::Wrong { remaining: expected }));
            otp.attempts += 1;
        }
        assert_eq!(check_otp(Some(&otp), &code, now), Err(OtpRefusal::Locked), "even the right code");
        assert_eq!(check_otp(None, &code, now), Err(OtpRefusal::Missing));
    }
}
