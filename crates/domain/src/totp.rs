//! Time-based one-time passwords for a second sign-in factor, as authenticator apps on a phone
//! produce them: RFC 6238 (TOTP) built on RFC 4226 (HOTP) with HMAC-SHA1, six digits and a new
//! code every thirty seconds. A code is accepted for the current thirty-second step or one step
//! either side, to allow for a phone's clock running a little fast or slow; once a code has
//! been used, neither it nor any earlier code is accepted again, so a code read over someone's
//! shoulder is no use after its owner has signed in. The secret is shared with the app once, as
//! base32 text or a QR code of the provisioning URI, and never printed in logs. Pure: the time
//! is passed in as seconds since the Unix epoch, and the caller stores the step last used.

use hmac::{Hmac, Mac};
use secrecy::{ExposeSecret, SecretSlice};
use sha1::Sha1;
use subtle::ConstantTimeEq;

/// How many digits a code has.
pub const DIGITS: u32 = 6;
/// How many seconds each code lasts.
pub const STEP_SECONDS: i64 = 30;
/// How many steps either side of the current one are accepted, for clock drift.
pub const DRIFT_STEPS: i64 = 1;
/// The shortest secret accepted: 16 bytes, 128 bits, the least RFC 4226 allows.
pub const MIN_SECRET_BYTES: usize = 16;
/// The length of secret to generate: 20 bytes, 160 bits, as RFC 4226 recommends for SHA-1.
pub const RECOMMENDED_SECRET_BYTES: usize = 20;

/// The RFC 4648 base32 alphabet: the letters, then the digits 2 to 7.
const BASE32_ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// Why a secret or a code was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TotpError {
    #[error(
        "the secret must be at least {MIN_SECRET_BYTES} bytes (128 bits); this one is {0} bytes"
    )]
    SecretTooShort(usize),
    #[error(
        "{0:?} is not allowed in a base32 secret: use only the letters A to Z and the digits 2 to 7"
    )]
    BadBase32Character(char),
    #[error("the code must be {DIGITS} digits, as shown in the authenticator app")]
    MalformedCode,
    #[error("that code is not right; check the clock on the phone and try the newest code")]
    WrongCode,
    #[error("that code has already been used; wait for the app to show the next one")]
    AlreadyUsed,
}

/// The secret shared between Stepwise and a person's authenticator app. Its `Debug` output
/// shows only its length, so it cannot leak into logs by accident; it is held as a `secrecy`
/// secret and wiped from memory when dropped.
#[derive(Clone)]
pub struct TotpSecret(SecretSlice<u8>);

impl TotpSecret {
    /// Takes raw secret bytes (from a cryptographic random source, or from storage), refusing
    /// fewer than `MIN_SECRET_BYTES`.
    pub fn from_bytes(bytes: Vec<u8>) -> Result<Self, TotpError> {
        if bytes.len() < MIN_SECRET_BYTES {
            return Err(TotpError::SecretTooShort(bytes.len()));
        }
        Ok(Self(SecretSlice::from(bytes)))
    }

    /// Reads a secret written in base32, as an authenticator app shows it: upper or lower case,
    /// with or without spaces between groups and `=` padding at the end. Any other character is
    /// refused, naming the first one found.
    pub fn from_base32(text: &str) -> Result<Self, TotpError> {
        Self::from_bytes(decode_base32(text)?)
    }

    /// The secret in RFC 4648 base32, upper case and without padding: what an authenticator app
    /// asks for when the secret is typed in rather than scanned.
    pub fn to_base32(&self) -> String {
        encode_base32(self.0.expose_secret())
    }

    /// The raw secret bytes, for storing (encrypted) alongside the account.
    pub fn as_bytes(&self) -> &[u8] {
        self.0.expose_secret()
    }
}

impl std::fmt::Debug for TotpSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "TotpSecret(<{} bytes, hidden>)",
            self.0.expose_secret().len()
        )
    }
}

/// The thirty-second step that a moment falls in: the count of whole steps since the Unix
/// epoch. Moments before 1970 give negative steps.
pub fn step_of(unix_seconds: i64) -> i64 {
    unix_seconds.div_euclid(STEP_SECONDS)
}

/// The six-digit code, zero-padded, that an authenticator app holding `secret` shows at
/// `unix_seconds`.
pub fn code_at(secret: &TotpSecret, unix_seconds: i64) -> String {
    code_for_step(secret, step_of(unix_seconds))
}

/// Checks a code typed in at `unix_seconds`. Spaces inside the code are ignored ("123 456"),
/// anything else that is not six digits is refused as malformed. The code is accepted if it is
/// the one for the current step or for one step either side, and that step is later than
/// `last_used_step`; a code from the last step used, or an earlier one, is refused as already
/// used. Returns the step the code matched, which the caller stores as the new last used step.
/// Codes are compared in constant time.
pub fn verify(
    secret: &TotpSecret,
    code: &str,
    unix_seconds: i64,
    last_used_step: Option<i64>,
) -> Result<i64, TotpError> {
    let given: String = code.chars().filter(|c| *c != ' ').collect();
    if given.len() != DIGITS as usize || !given.bytes().all(|b| b.is_ascii_digit()) {
        return Err(TotpError::MalformedCode);
    }
    let now = step_of(unix_seconds);
    let mut matched = None;
    let mut replayed = false;
    for step in now.saturating_sub(DRIFT_STEPS)..=now.saturating_add(DRIFT_STEPS) {
        let expected = code_for_step(secret, step);
        if !same_in_constant_time(expected.as_bytes(), given.as_bytes()) {
            continue;
        }
        if last_used_step.is_some_and(|used| step <= used) {
            replayed = true;
        } else if matched.is_none() {
            matched = Some(step);
        }
    }
    match (matched, replayed) {
        (Some(step), _) => Ok(step),
        (None, true) => Err(TotpError::AlreadyUsed),
        (None, false) => Err(TotpError::WrongCode),
    }
}

/// The `otpauth://` URI that an authenticator app reads from a QR code: it names the issuer
/// (shown as the heading in the app) and the account, and carries the secret and the settings.
/// The issuer and account are percent-encoded, so spaces and colons in them survive.
pub fn provisioning_uri(secret: &TotpSecret, issuer: &str, account: &str) -> String {
    let issuer = percent_encode(issuer);
    format!(
        "otpauth://totp/{issuer}:{account}?secret={secret}&issuer={issuer}&algorithm=SHA1&digits={DIGITS}&period={STEP_SECONDS}",
        account = percent_encode(account),
        secret = secret.to_base32(),
    )
}

/// The code for a step, which is the HOTP counter. A negative step (before 1970) is taken as
/// its two's complement, so it still gives a code, though no working clock asks for one.
fn code_for_step(secret: &TotpSecret, step: i64) -> String {
    hotp(secret.0.expose_secret(), step as u64, DIGITS)
}

/// RFC 4226 HOTP: the HMAC-SHA1 of the counter as eight big-endian bytes, cut down by dynamic
/// truncation to a 31-bit number, of which the last `digits` decimal digits are the code.
/// `digits` is at most 9, so the modulus fits in 32 bits.
fn hotp(key: &[u8], counter: u64, digits: u32) -> String {
    let mac = hmac_sha1(key, &counter.to_be_bytes());
    // The low four bits of the last byte pick where the four bytes of the number start; the
    // top bit is dropped so the number reads the same signed or unsigned.
    let at = usize::from(mac[19] & 0x0f);
    let number = u32::from_be_bytes([mac[at] & 0x7f, mac[at + 1], mac[at + 2], mac[at + 3]]);
    let code = number % 10u32.pow(digits);
    format!("{code:0width$}", width = digits as usize)
}

/// HMAC-SHA1 (RFC 2104) from the `hmac` crate.
fn hmac_sha1(key: &[u8], message: &[u8]) -> [u8; 20] {
    // HMAC takes a key of any length, so `new_from_slice` cannot fail.
    match <Hmac<Sha1> as Mac>::new_from_slice(key) {
        Ok(mut mac) => {
            mac.update(message);
            mac.finalize().into_bytes().into()
        }
        Err(_) => [0u8; 20],
    }
}

/// Whether two byte strings are equal, in constant time (`subtle`), so the time taken says
/// nothing about how much of a guessed code was right.
fn same_in_constant_time(a: &[u8], b: &[u8]) -> bool {
    bool::from(a.ct_eq(b))
}

/// RFC 4648 base32 without padding: every five bits of input become one letter or digit; the
/// last group is filled out with zero bits.
fn encode_base32(bytes: &[u8]) -> String {
    let mut out = String::with_capacity((bytes.len() * 8).div_ceil(5));
    let mut buffer: u32 = 0;
    let mut bits: u32 = 0;
    for &byte in bytes {
        buffer = (buffer << 8) | u32::from(byte);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(char::from(
                BASE32_ALPHABET[((buffer >> bits) & 31) as usize],
            ));
        }
        buffer &= (1 << bits) - 1;
    }
    if bits > 0 {
        out.push(char::from(
            BASE32_ALPHABET[((buffer << (5 - bits)) & 31) as usize],
        ));
    }
    out
}

/// Reads RFC 4648 base32 in either case, skipping spaces and `=`; bits left over at the end
/// that do not make a whole byte are dropped.
fn decode_base32(text: &str) -> Result<Vec<u8>, TotpError> {
    let mut out = Vec::with_capacity(text.len() * 5 / 8);
    let mut buffer: u32 = 0;
    let mut bits: u32 = 0;
    for c in text.chars() {
        let value = match c.to_ascii_uppercase() {
            ' ' | '=' => continue,
            upper @ 'A'..='Z' => u32::from(upper) - u32::from('A'),
            digit @ '2'..='7' => u32::from(digit) - u32::from('2') + 26,
            _ => return Err(TotpError::BadBase32Character(c)),
        };
        buffer = (buffer << 5) | value;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push(((buffer >> bits) & 0xff) as u8);
            buffer &= (1 << bits) - 1;
        }
    }
    Ok(out)
}

/// Percent-encodes everything except the RFC 3986 unreserved characters (letters, digits and
/// `-._~`), byte by byte in UTF-8, so a space becomes `%20` and a colon `%3A`.
fn percent_encode(text: &str) -> String {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(byte >> 4)]));
            out.push(char::from(HEX[usize::from(byte & 0x0f)]));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The secret used throughout RFC 4226 and RFC 6238's SHA-1 examples.
    const RFC_SECRET: &[u8] = b"12345678901234567890";

    fn rfc_secret() -> TotpSecret {
        TotpSecret::from_bytes(RFC_SECRET.to_vec()).unwrap()
    }

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    #[test]
    fn hmac_sha1_matches_rfc_2202_cases_1_2_and_6() {
        assert_eq!(
            hex(&hmac_sha1(&[0x0b; 20], b"Hi There")),
            "b617318655057264e28bc0b6fb378c8ef146be00"
        );
        assert_eq!(
            hex(&hmac_sha1(b"Jefe", b"what do ya want for nothing?")),
            "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79"
        );
        // An 80-byte key is longer than the block, so it is hashed first.
        assert_eq!(
            hex(&hmac_sha1(
                &[0xaa; 80],
                b"Test Using Larger Than Block-Size Key - Hash Key First"
            )),
            "aa4ae5e15272d00e95705637ce8a3b55ed402112"
        );
    }

    #[test]
    fn hotp_matches_rfc_4226_appendix_d() {
        let expected = [
            "755224", "287082", "359152", "969429", "338314", "254676", "287922", "162583",
            "399871", "520489",
        ];
        for (counter, code) in expected.iter().enumerate() {
            assert_eq!(
                hotp(RFC_SECRET, counter as u64, 6),
                *code,
                "counter {counter}"
            );
        }
    }

    #[test]
    fn totp_matches_rfc_6238_appendix_b_sha1_and_six_digits_are_the_last_six() {
        let secret = rfc_secret();
        for (time, eight) in [
            (59, "94287082"),
            (1_111_111_109, "07081804"),
            (1_111_111_111, "14050471"),
            (1_234_567_890, "89005924"),
            (2_000_000_000, "69279037"),
            (20_000_000_000, "65353130"),
        ] {
            assert_eq!(hotp(RFC_SECRET, step_of(time) as u64, 8), eight, "t={time}");
            let six = code_at(&secret, time);
            assert_eq!(six.len(), 6);
            assert_eq!(six, eight[2..], "t={time}");
        }
    }

    #[test]
    fn steps_are_thirty_seconds_from_the_epoch() {
        assert_eq!(step_of(0), 0);
        assert_eq!(step_of(29), 0);
        assert_eq!(step_of(30), 1);
        assert_eq!(step_of(59), 1);
        assert_eq!(step_of(1_111_111_109), 0x023523EC);
        assert_eq!(step_of(-1), -1);
    }

    #[test]
    fn codes_are_zero_padded_to_six_digits() {
        // At t=1111111109 the eight-digit code is 07081804, so the six-digit one is 081804.
        assert_eq!(code_at(&rfc_secret(), 1_111_111_109), "081804");
    }

    #[test]
    fn base32_matches_rfc_4648_vectors() {
        for (plain, encoded) in [
            ("", ""),
            ("f", "MY"),
            ("fo", "MZXQ"),
            ("foo", "MZXW6"),
            ("foob", "MZXW6YQ"),
            ("fooba", "MZXW6YTB"),
            ("foobar", "MZXW6YTBOI"),
        ] {
            assert_eq!(encode_base32(plain.as_bytes()), encoded, "{plain:?}");
            assert_eq!(
                decode_base32(encoded).unwrap(),
                plain.as_bytes(),
                "{encoded}"
            );
        }
        // The padded forms that RFC 4648 prints decode the same.
        assert_eq!(decode_base32("MY======").unwrap(), b"f");
        assert_eq!(decode_base32("MZXW6YQ=").unwrap(), b"foob");
    }

    #[test]
    fn base32_round_trips_a_secret_and_reads_it_as_apps_show_it() {
        let bytes: Vec<u8> = (0u8..=255).step_by(7).collect();
        let secret = TotpSecret::from_bytes(bytes.clone()).unwrap();
        let text = secret.to_base32();
        assert!(!text.contains('='));
        assert_eq!(text, text.to_ascii_uppercase());
        assert_eq!(TotpSecret::from_base32(&text).unwrap().as_bytes(), bytes);

        let rfc = rfc_secret().to_base32();
        assert_eq!(rfc, "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
        let grouped = "gezd gnbv gy3t qojq gezd gnbv gy3t qojq";
        assert_eq!(
            TotpSecret::from_base32(grouped).unwrap().as_bytes(),
            RFC_SECRET
        );
        assert_eq!(
            TotpSecret::from_base32(&format!("{rfc}===="))
                .unwrap()
                .as_bytes(),
            RFC_SECRET
        );
    }

    #[test]
    fn base32_refuses_other_characters_naming_the_first() {
        assert_eq!(
            TotpSecret::from_base32("GEZDGNBV1GY3TQ0JQ").unwrap_err(),
            TotpError::BadBase32Character('1')
        );
        assert_eq!(
            TotpSecret::from_base32("GEZD-GNBV").unwrap_err(),
            TotpError::BadBase32Character('-')
        );
        let err = TotpSecret::from_base32("GEZD8").unwrap_err();
        assert_eq!(err, TotpError::BadBase32Character('8'));
        assert!(err.to_string().contains("'8'"), "{err}");
    }

    #[test]
    fn secrets_shorter_than_128_bits_are_refused() {
        assert_eq!(
            TotpSecret::from_bytes(vec![7; 15]).unwrap_err(),
            TotpError::SecretTooShort(15)
        );
        assert!(TotpSecret::from_bytes(vec![7; 16]).is_ok());
        // "foobar" is six bytes.
        assert_eq!(
            TotpSecret::from_base32("MZXW6YTBOI").unwrap_err(),
            TotpError::SecretTooShort(6)
        );
        assert_eq!(
            TotpSecret::from_base32("").unwrap_err(),
            TotpError::SecretTooShort(0)
        );
    }

    #[test]
    fn debug_does_not_show_the_secret() {
        let secret = rfc_secret();
        let shown = format!("{secret:?}");
        assert!(!shown.contains("1234"), "{shown}");
        assert!(!shown.contains(&secret.to_base32()), "{shown}");
        assert!(!shown.contains("49"), "{shown}");
        assert!(shown.contains("20 bytes"), "{shown}");
    }

    #[test]
    fn verify_accepts_the_current_code_and_returns_its_step() {
        let secret = rfc_secret();
        let t = 1_234_567_890;
        let code = code_at(&secret, t);
        assert_eq!(verify(&secret, &code, t, None), Ok(step_of(t)));
        let spaced = format!("{} {}", &code[..3], &code[3..]);
        assert_eq!(verify(&secret, &spaced, t, None), Ok(step_of(t)));
        assert_eq!(
            verify(&secret, &format!(" {code} "), t, None),
            Ok(step_of(t))
        );
    }

    #[test]
    fn verify_allows_one_step_of_drift_either_way_but_not_two() {
        let secret = rfc_secret();
        let t = 1_234_567_890;
        let now = step_of(t);
        let previous = code_at(&secret, t - STEP_SECONDS);
        let next = code_at(&secret, t + STEP_SECONDS);
        assert_eq!(verify(&secret, &previous, t, None), Ok(now - 1));
        assert_eq!(verify(&secret, &next, t, None), Ok(now + 1));
        for far in [t - 2 * STEP_SECONDS, t + 2 * STEP_SECONDS] {
            let code = code_at(&secret, far);
            assert_eq!(
                verify(&secret, &code, t, None),
                Err(TotpError::WrongCode),
                "t={far}"
            );
        }
        let current = code_at(&secret, t);
        let wrong = if current == "000000" {
            "000001"
        } else {
            "000000"
        };
        assert_eq!(verify(&secret, wrong, t, None), Err(TotpError::WrongCode));
    }

    #[test]
    fn verify_refuses_a_code_already_used_or_older() {
        let secret = rfc_secret();
        let t = 1_234_567_890;
        let code = code_at(&secret, t);
        let used = verify(&secret, &code, t, None).unwrap();
        assert_eq!(
            verify(&secret, &code, t + 5, Some(used)),
            Err(TotpError::AlreadyUsed)
        );
        let previous = code_at(&secret, t - STEP_SECONDS);
        assert_eq!(
            verify(&secret, &previous, t, Some(used)),
            Err(TotpError::AlreadyUsed)
        );
        // The next code is still fine once its step comes.
        let later = t + STEP_SECONDS;
        assert_eq!(
            verify(&secret, &code_at(&secret, later), later, Some(used)),
            Ok(used + 1)
        );
        // A step used long ago does not block the current code.
        assert_eq!(verify(&secret, &code, t, Some(used - 10)), Ok(used));
    }

    #[test]
    fn verify_refuses_malformed_codes() {
        let secret = rfc_secret();
        for bad in [
            "12345",
            "12a456",
            "",
            "   ",
            "1234567",
            "12-456",
            "١٢٣٤٥٦",
            "12345６",
        ] {
            assert_eq!(
                verify(&secret, bad, 1_234_567_890, None),
                Err(TotpError::MalformedCode),
                "{bad:?}"
            );
        }
        assert!(
            TotpError::MalformedCode.to_string().contains("6 digits"),
            "{}",
            TotpError::MalformedCode
        );
    }

    #[test]
    fn provisioning_uri_encodes_issuer_and_account() {
        let uri = provisioning_uri(&rfc_secret(), "Stepwise", "jo smith:north");
        assert_eq!(
            uri,
            "otpauth://totp/Stepwise:jo%20smith%3Anorth?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Stepwise&algorithm=SHA1&digits=6&period=30"
        );
        let uri = provisioning_uri(&rfc_secret(), "Northshire C&F", "jo.smith@north.example");
        assert!(
            uri.starts_with("otpauth://totp/Northshire%20C%26F:jo.smith%40north.example?"),
            "{uri}"
        );
        assert!(uri.contains("&issuer=Northshire%20C%26F&"), "{uri}");
        assert_eq!(percent_encode("é"), "%C3%A9");
    }
}
