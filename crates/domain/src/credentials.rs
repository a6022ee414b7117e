//! Rules for passwords and for failed sign-ins, following the National Cyber Security Centre's
//! password guidance: long passwords are what count (three random words make a good one), so
//! there are no composition rules and no forced expiry; passwords that attackers try first are
//! refused; and repeated failures slow an attacker down with a back-off that grows, rather than
//! locking an account for good (which would let anyone lock out a colleague). Pure: the time is
//! passed in.

use chrono::{DateTime, Duration, Utc};

/// The shortest password accepted.
pub const MIN_PASSWORD_CHARS: usize = 12;
/// The longest password accepted (long enough for any passphrase; bounds the hashing work).
pub const MAX_PASSWORD_CHARS: usize = 256;
/// Failed sign-ins allowed from one source (one address, for one username) before the
/// back-off starts for that source.
pub const FREE_FAILURES: u32 = 5;
/// Failed sign-ins allowed for one username from all sources together before the back-off
/// starts for every source: the ceiling on guessing spread across many addresses. Higher than
/// `FREE_FAILURES`, so a stranger failing from elsewhere does not slow a colleague down.
pub const ACCOUNT_FREE_FAILURES: u32 = 50;
/// The longest wait the back-off imposes.
pub const MAX_WAIT_MINUTES: i64 = 60;

/// Passwords (folded to lower case, spaces and punctuation removed) that are refused however
/// long they are: the ones that top every list of leaked passwords, their keyboard walks and
/// the words people reach for at work. Not a complete deny-list: authorities with a corporate
/// identity provider should sign in through it, where their own list applies.
const COMMON: &[&str] = &[
    "password",
    "passw0rd",
    "password1",
    "password12",
    "password123",
    "password1234",
    "passwordpassword",
    "123456789012",
    "1234567890123",
    "12345678901234",
    "123456123456",
    "111111111111",
    "000000000000",
    "123123123123",
    "qwertyuiopas",
    "qwertyuiop12",
    "qwerty123456",
    "1qaz2wsx3edc",
    "1q2w3e4r5t6y",
    "asdfghjkl123",
    "zxcvbnm12345",
    "iloveyou1234",
    "letmein12345",
    "letmeinplease",
    "welcome12345",
    "welcome123456",
    "changeme1234",
    "changemenow",
    "administrator",
    "admin1234567",
    "socialworker",
    "socialworker1",
    "childrenservices",
    "childrensservices",
    "safeguarding",
    "safeguarding1",
    "monkey123456",
    "football1234",
    "footballfootball",
    "sunshine1234",
    "princess1234",
    "trustno1trustno1",
    "abcdefghijkl",
    "abc123abc123",
    // The password the demonstration council is loaded with: published in the README.
    "stepwisedemo",
    "stepwisedemo1",
    "stepwisedemo123",
    "stepwise",
    "stepwise123",
    "stepwise1234",
    "stepwisestepwise",
];

/// The demonstration password, folded. Any password that is it with a little added (a digit,
/// a word, punctuation) is refused too.
const DEMO: &str = "stepwisedemo";

/// Why a password was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PasswordProblem {
    #[error(
        "the password must be at least {MIN_PASSWORD_CHARS} characters; three random words make a good one"
    )]
    TooShort,
    #[error("the password must be at most {MAX_PASSWORD_CHARS} characters")]
    TooLong,
    #[error("that password is one of the first that attackers try; choose another")]
    Common,
    #[error("that is the demonstration password, which is published; choose one nobody else knows")]
    Demo,
    #[error("the password must not contain the username")]
    ContainsUsername,
    #[error("the password must not be one character repeated or a simple sequence")]
    Repetitive,
}

fn fold(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// Undoes the usual digit-for-letter swaps ("st3pw1se"), for matching known passwords.
fn leet_fold(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '0' => 'o',
            '1' => 'i',
            '3' => 'e',
            '4' => 'a',
            '5' => 's',
            '7' => 't',
            '@' => 'a',
            '$' => 's',
            other => other,
        })
        .collect()
}

/// Checks a new password for an account. Length is counted in characters, so a passphrase in
/// any script is measured fairly; nothing about its mix of letters, digits or symbols is asked.
pub fn check_new_password(username: &str, password: &str) -> Result<(), PasswordProblem> {
    let n = password.chars().count();
    if n < MIN_PASSWORD_CHARS {
        return Err(PasswordProblem::TooShort);
    }
    if n > MAX_PASSWORD_CHARS {
        return Err(PasswordProblem::TooLong);
    }
    let folded = fold(password);
    if folded.contains(DEMO) || leet_fold(&folded).contains(DEMO) {
        return Err(PasswordProblem::Demo);
    }
    if COMMON.contains(&folded.as_str()) {
        return Err(PasswordProblem::Common);
    }
    let user = fold(username);
    if user.chars().count() >= 3 && folded.contains(&user) {
        return Err(PasswordProblem::ContainsUsername);
    }
    let chars: Vec<char> = folded.chars().collect();
    let distinct: std::collections::BTreeSet<char> = chars.iter().copied().collect();
    let sequence = chars.windows(2).all(|w| {
        let (a, b) = (w[0] as i64, w[1] as i64);
        b - a == 1 || a - b == 1
    });
    if distinct.len() <= 2 || (chars.len() > 2 && sequence) {
        return Err(PasswordProblem::Repetitive);
    }
    Ok(())
}

/// After `failures` failed sign-ins in a row, the last at `last`, when the next attempt may be
/// made: not before `FREE_FAILURES`, then one minute, doubling with each further failure, up to
/// `MAX_WAIT_MINUTES`.
pub fn next_attempt_after(failures: u32, last: DateTime<Utc>) -> Option<DateTime<Utc>> {
    next_attempt_after_allowing(FREE_FAILURES, failures, last)
}

/// The same back-off after `free` failures allowed without waiting (`FREE_FAILURES` for one
/// source, `ACCOUNT_FREE_FAILURES` for a username from every source together).
pub fn next_attempt_after_allowing(
    free: u32,
    failures: u32,
    last: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    if failures < free {
        return None;
    }
    let doublings = (failures - free).min(10);
    let minutes = (1i64 << doublings).min(MAX_WAIT_MINUTES);
    Some(last + Duration::minutes(minutes))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn long_passphrases_pass_and_weak_ones_are_refused_with_the_reason() {
        for ok in [
            "correct horse battery staple",
            "kettle orbit lantern",
            "Ŵyth gair hir iawn",
            "xk29-pl0w-ham",
        ] {
            assert_eq!(check_new_password("jo.smith", ok), Ok(()), "{ok}");
        }
        for (bad, why) in [
            ("short", PasswordProblem::TooShort),
            ("elevenchars", PasswordProblem::TooShort),
            ("Password123!", PasswordProblem::Common),
            ("P@ss w0rd", PasswordProblem::TooShort),
            ("Safe-guarding!1", PasswordProblem::Common),
            ("jo.smith-is-my-name", PasswordProblem::ContainsUsername),
            ("aaaaaaaaaaaaaa", PasswordProblem::Repetitive),
            ("abababababab", PasswordProblem::Repetitive),
            ("abcdefghijklmnop", PasswordProblem::Repetitive),
        ] {
            assert_eq!(check_new_password("jo.smith", bad), Err(why), "{bad}");
        }
        assert!(check_new_password("x", &"long enough ".repeat(30)).is_err());
        // Finding 8 of issue 6: the published demonstration password, and close variants.
        for demo in [
            "stepwise-demo",
            "Stepwise-Demo",
            "stepwise demo",
            "stepwise-demo1",
            "stepwise-demo-2026",
            "my stepwise-demo!",
            "St3pw1se-D3mo",
        ] {
            assert_eq!(
                check_new_password("jo.smith", demo),
                Err(PasswordProblem::Demo),
                "{demo}"
            );
        }
        assert!(
            PasswordProblem::Demo.to_string().contains("demonstration"),
            "the reason is given"
        );
        assert!(
            check_new_password("jo", "jo is fine here").is_ok(),
            "a username under three letters is not matched"
        );
    }

    #[test]
    fn the_back_off_starts_after_five_failures_and_doubles_to_an_hour() {
        let t = Utc.with_ymd_and_hms(2026, 12, 1, 9, 0, 0).unwrap();
        for f in 0..FREE_FAILURES {
            assert_eq!(next_attempt_after(f, t), None);
        }
        let wait = |f| next_attempt_after(f, t).map(|x| (x - t).num_minutes());
        assert_eq!(wait(5), Some(1));
        assert_eq!(wait(6), Some(2));
        assert_eq!(wait(7), Some(4));
        assert_eq!(wait(10), Some(32));
        assert_eq!(wait(11), Some(60));
        assert_eq!(wait(1000), Some(60));
        // The account-wide ceiling starts later, and then grows the same way.
        let wide = |f| next_attempt_after_allowing(ACCOUNT_FREE_FAILURES, f, t);
        assert_eq!(wide(ACCOUNT_FREE_FAILURES - 1), None);
        assert_eq!(
            wide(ACCOUNT_FREE_FAILURES).map(|x| (x - t).num_minutes()),
            Some(1)
        );
    }
}
