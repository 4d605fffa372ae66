//! Exact money: integer minor units with an ISO 4217 currency, decimal strings on the wire.

use serde::{Deserialize, Deserializer, Serialize};

/// Active ISO 4217 codes whose minor unit is two decimals.
const TWO_DECIMALS: &str = "AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BMD BND BOB BRL BSD BTN \
BWP BYN BZD CAD CDF CHF CNY COP CRC CUP CVE CZK DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP \
GMD GTQ GYD HKD HNL HTG HUF IDR ILS INR IRR JMD KES KGS KHR KPW KYD KZT LAK LBP LKR LRD LSL MAD MDL \
MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD PAB PEN PGK PHP PKR PLN QAR RON \
RSD RUB SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TOP TRY TTD TWD TZS \
UAH USD UYU UZS VES WST XCD YER ZAR ZMW ZWG";
/// Active ISO 4217 codes without a minor unit.
const ZERO_DECIMALS: &str = "BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF";
/// Active ISO 4217 codes whose minor unit is three decimals.
const THREE_DECIMALS: &str = "BHD IQD JOD KWD LYD OMR TND";
/// Active ISO 4217 codes whose minor unit is four decimals.
const FOUR_DECIMALS: &str = "CLF UYW";

/// Why an amount or currency was refused; each message reads well after a field name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    /// Not a three-letter ISO 4217 code in use.
    #[error("must be an ISO 4217 currency code such as USD")]
    UnknownCurrency,
    /// Not a plain decimal number.
    #[error("must be a decimal amount such as \"29.99\"")]
    Malformed,
    /// More decimals than the currency has.
    #[error("must have at most {max} decimal places for {currency}")]
    TooManyDecimals {
        /// The currency's exponent.
        max: u8,
        /// The currency code.
        currency: &'static str,
    },
    /// Outside the range Souk can hold exactly.
    #[error("is too large")]
    Overflow,
    /// Amounts in two currencies were combined.
    #[error("currencies differ")]
    CurrencyMismatch,
}

/// An ISO 4217 currency and its number of decimals.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Currency {
    code: &'static str,
    exponent: u8,
}

impl Currency {
    /// US dollar.
    pub const USD: Currency = Currency { code: "USD", exponent: 2 };
    /// Ethiopian birr, the currency of the seeds' escrow marketplace.
    pub const ETB: Currency = Currency { code: "ETB", exponent: 2 };

    /// Looks up an upper-case ISO 4217 code.
    pub fn from_code(code: &str) -> Result<Currency, MoneyError> {
        if code.len() != 3 || !code.bytes().all(|b| b.is_ascii_uppercase()) {
            return Err(MoneyError::UnknownCurrency);
        }
        [(TWO_DECIMALS, 2), (ZERO_DECIMALS, 0), (THREE_DECIMALS, 3), (FOUR_DECIMALS, 4)]
            .into_iter()
            .find_map(|(table, exponent)| {
                table.split_whitespace().find(|c| *c == code).map(|code| Currency { code, exponent })
            })
            .ok_or(MoneyError::UnknownCurrency)
    }

    /// The three-letter code.
    pub fn code(&self) -> &'static str {
        self.code
    }

    /// Decimal places of the minor unit (2 for USD, 0 for JPY, 3 for KWD).
    pub fn exponent(&self) -> u8 {
        self.exponent
    }

    /// Every active code whose minor unit has `exponent` decimals (for exact cross-currency filters).
    pub fn codes_with_exponent(exponent: u8) -> impl Iterator<Item = &'static str> {
        [(TWO_DECIMALS, 2), (ZERO_DECIMALS, 0), (THREE_DECIMALS, 3), (FOUR_DECIMALS, 4)]
            .into_iter()
            .filter(move |(_, e)| *e == exponent)
            .flat_map(|(table, _)| table.split_whitespace())
    }

    /// Parses an exact decimal amount in this currency into minor units.
    pub fn parse_amount(&self, text: &str) -> Result<Money, MoneyError> {
        parse_minor_units(text, *self).map(|minor| Money { minor, currency: *self })
    }
}

impl std::fmt::Display for Currency {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code)
    }
}

impl std::str::FromStr for Currency {
    type Err = MoneyError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Currency::from_code(s)
    }
}

impl Serialize for Currency {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.code)
    }
}

impl<'de> Deserialize<'de> for Currency {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let code = String::deserialize(deserializer)?;
        Currency::from_code(&code).map_err(serde::de::Error::custom)
    }
}

fn parse_minor_units(text: &str, currency: Currency) -> Result<i64, MoneyError> {
    let (negative, unsigned) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (whole, fraction) = unsigned.split_once('.').unwrap_or((unsigned, ""));
    let digits_only = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty() || !digits_only(whole) || !digits_only(fraction) || unsigned.ends_with('.') {
        return Err(MoneyError::Malformed);
    }
    let significant = fraction.trim_end_matches('0');
    let exponent = usize::from(currency.exponent);
    if significant.len() > exponent {
        return Err(MoneyError::TooManyDecimals { max: currency.exponent, currency: currency.code });
    }
    let scale = 10i64.pow(u32::from(currency.exponent));
    let whole: i64 = whole.parse().map_err(|_| MoneyError::Overflow)?;
    let padded = format!("{significant:0<exponent$}");
    let fraction: i64 =
        if padded.is_empty() { 0 } else { padded.parse().map_err(|_| MoneyError::Malformed)? };
    let minor = whole.checked_mul(scale).and_then(|m| m.checked_add(fraction)).ok_or(MoneyError::Overflow)?;
    Ok(if negative { -minor } else { minor })
}

/// An exact amount: integer minor units of one currency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Money {
    minor: i64,
    currency: Currency,
}

impl Money {
    /// An amount from minor units (cents for USD).
    pub fn from_minor(minor: i64, currency: Currency) -> Money {
        Money { minor, currency }
    }

    /// Zero in a currency.
    pub fn zero(currency: Currency) -> Money {
        Money { minor: 0, currency }
    }

    /// The amount in minor units, as stored.
    pub fn minor(&self) -> i64 {
        self.minor
    }

    /// The currency.
    pub fn currency(&self) -> Currency {
        self.currency
    }

    /// True below zero.
    pub fn is_negative(&self) -> bool {
        self.minor < 0
    }

    /// The exact decimal string shown on the wire (`"29.99"`, `"1500"` for JPY).
    pub fn amount_string(&self) -> String {
        let exponent = u32::from(self.currency.exponent);
        let sign = if self.minor < 0 { "-" } else { "" };
        let magnitude = self.minor.unsigned_abs();
        if exponent == 0 {
            return format!("{sign}{magnitude}");
        }
        let scale = 10u64.pow(exponent);
        let width = exponent as usize;
        format!("{sign}{}.{:0width$}", magnitude / scale, magnitude % scale)
    }

    /// Sum in the same currency, refusing overflow.
    pub fn checked_add(self, other: Money) -> Result<Money, MoneyError> {
        self.same_currency(other)?;
        self.minor.checked_add(other.minor).map(|minor| Money { minor, ..self }).ok_or(MoneyError::Overflow)
    }

    /// Difference in the same currency, refusing overflow.
    pub fn checked_sub(self, other: Money) -> Result<Money, MoneyError> {
        self.same_currency(other)?;
        self.minor.checked_sub(other.minor).map(|minor| Money { minor, ..self }).ok_or(MoneyError::Overflow)
    }

    /// The amount times a quantity, refusing overflow.
    pub fn checked_mul(self, quantity: i64) -> Result<Money, MoneyError> {
        self.minor.checked_mul(quantity).map(|minor| Money { minor, ..self }).ok_or(MoneyError::Overflow)
    }

    /// `basis_points`/10000 of the amount, rounded half away from zero to the minor unit.
    pub fn percentage(self, basis_points: i64) -> Result<Money, MoneyError> {
        let product = i128::from(self.minor) * i128::from(basis_points);
        let rounded = (product + product.signum() * 5_000) / 10_000;
        i64::try_from(rounded).map(|minor| Money { minor, ..self }).map_err(|_| MoneyError::Overflow)
    }

    fn same_currency(&self, other: Money) -> Result<(), MoneyError> {
        if self.currency == other.currency { Ok(()) } else { Err(MoneyError::CurrencyMismatch) }
    }
}

impl std::fmt::Display for Money {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.amount_string(), self.currency)
    }
}

/// An amount as a client sent it (a string or a JSON number), kept as exact text until the
/// currency is known and [`AmountInput::to_money`] checks its decimals.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct AmountInput(String);

impl AmountInput {
    /// The exact text of the amount.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Validates the amount against a currency.
    pub fn to_money(&self, currency: Currency) -> Result<Money, MoneyError> {
        currency.parse_amount(&self.0)
    }
}

impl From<&str> for AmountInput {
    fn from(value: &str) -> Self {
        AmountInput(value.to_owned())
    }
}

impl<'de> Deserialize<'de> for AmountInput {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Text(String),
            Integer(i64),
            Float(f64),
        }
        match Raw::deserialize(deserializer)? {
            Raw::Text(text) => Ok(AmountInput(text.trim().to_owned())),
            Raw::Integer(n) => Ok(AmountInput(n.to_string())),
            Raw::Float(f) if f.is_finite() => Ok(AmountInput(format!("{f}"))),
            Raw::Float(_) => Err(serde::de::Error::custom("must be a finite number")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn usd(text: &str) -> Result<Money, MoneyError> {
        Currency::USD.parse_amount(text)
    }

    #[test]
    fn parses_exact_decimals_into_minor_units() {
        assert_eq!(usd("29.99").unwrap().minor(), 2999);
        assert_eq!(usd("29.9").unwrap().minor(), 2990);
        assert_eq!(usd("29").unwrap().minor(), 2900);
        assert_eq!(usd("0.01").unwrap().minor(), 1);
        assert_eq!(usd("-1.50").unwrap().minor(), -150);
        assert_eq!(usd("10.500").unwrap().minor(), 1050, "trailing zeros are exact");
        assert_eq!(usd("0.1").unwrap().checked_add(usd("0.2").unwrap()).unwrap(), usd("0.3").unwrap());
    }

    #[test]
    fn rejects_too_many_decimals_and_garbage() {
        assert_eq!(usd("1.001"), Err(MoneyError::TooManyDecimals { max: 2, currency: "USD" }));
        let yen = Currency::from_code("JPY").unwrap();
        assert!(matches!(yen.parse_amount("1.5"), Err(MoneyError::TooManyDecimals { max: 0, .. })));
        for bad in ["", "abc", "1.", ".5", "1e3", "1,00", "--1", "+1", " 1", "0x10", "1.2.3"] {
            assert_eq!(usd(bad), Err(MoneyError::Malformed), "{bad:?}");
        }
        assert_eq!(usd("99999999999999999999"), Err(MoneyError::Overflow));
        assert_eq!(usd("92233720368547758.08"), Err(MoneyError::Overflow));
    }

    #[test]
    fn formats_with_the_currency_exponent() {
        assert_eq!(Money::from_minor(2999, Currency::USD).amount_string(), "29.99");
        assert_eq!(Money::from_minor(5, Currency::USD).amount_string(), "0.05");
        assert_eq!(Money::from_minor(-5, Currency::USD).amount_string(), "-0.05");
        assert_eq!(Money::from_minor(1500, Currency::from_code("JPY").unwrap()).amount_string(), "1500");
        assert_eq!(Money::from_minor(1234, Currency::from_code("KWD").unwrap()).amount_string(), "1.234");
        assert_eq!(Money::from_minor(i64::MIN, Currency::USD).amount_string(), "-92233720368547758.08");
    }

    #[test]
    fn parse_and_format_round_trip() {
        for minor in [0, 1, 99, 100, 123_456_789, -42, i64::MAX] {
            let money = Money::from_minor(minor, Currency::USD);
            assert_eq!(usd(&money.amount_string()).unwrap(), money);
        }
    }

    #[test]
    fn currency_codes_are_validated() {
        assert_eq!(Currency::from_code("ETB").unwrap(), Currency::ETB);
        assert_eq!(Currency::from_code("usd"), Err(MoneyError::UnknownCurrency));
        assert_eq!(Currency::from_code("XXX"), Err(MoneyError::UnknownCurrency));
        assert_eq!(Currency::from_code("US"), Err(MoneyError::UnknownCurrency));
        assert_eq!(Currency::from_code("BHD").unwrap().exponent(), 3);
    }

    #[test]
    fn arithmetic_refuses_mixed_currencies_and_overflow() {
        let a = usd("1.00").unwrap();
        let b = Currency::ETB.parse_amount("1.00").unwrap();
        assert_eq!(a.checked_add(b), Err(MoneyError::CurrencyMismatch));
        assert_eq!(Money::from_minor(i64::MAX, Currency::USD).checked_add(a), Err(MoneyError::Overflow));
        assert_eq!(a.checked_mul(3).unwrap().minor(), 300);
        assert_eq!(usd("10.00").unwrap().checked_sub(usd("0.01").unwrap()).unwrap().minor(), 999);
    }

    #[test]
    fn percentages_round_half_away_from_zero() {
        assert_eq!(usd("10.00").unwrap().percentage(250).unwrap().minor(), 25);
        assert_eq!(usd("0.05").unwrap().percentage(1_000).unwrap().minor(), 1, "0.5 cent rounds up");
        assert_eq!(usd("-0.05").unwrap().percentage(1_000).unwrap().minor(), -1);
        assert_eq!(usd("0.04").unwrap().percentage(1_000).unwrap().minor(), 0);
    }

    #[test]
    fn amount_input_accepts_strings_and_numbers_exactly() {
        let parse = |json: &str| serde_json::from_str::<AmountInput>(json).unwrap();
        assert_eq!(parse("\"29.99\"").to_money(Currency::USD).unwrap().minor(), 2999);
        assert_eq!(parse("29.99").to_money(Currency::USD).unwrap().minor(), 2999);
        assert_eq!(parse("0.07").to_money(Currency::USD).unwrap().minor(), 7);
        assert_eq!(parse("12").to_money(Currency::USD).unwrap().minor(), 1200);
        assert!(parse("29.999").to_money(Currency::USD).is_err());
        assert!(serde_json::from_str::<AmountInput>("true").is_err());
    }
}
