//! "My details": what the user tells once — name, phone, e-mail, address and
//! the account on each platform — kept in the case file and filled into
//! every complaint where the case itself leaves a field empty.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::case::{Case, Complainant, FieldError, platform_presets};

/// The user's own details, once for every case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default, ts_rs::TS)]
#[serde(deny_unknown_fields)]
pub struct MyDetails {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub address: Option<String>,
    /// The account on each platform (抖音号, UID …), by platform preset id.
    #[serde(default)]
    pub accounts: BTreeMap<String, String>,
}

/// The longest value a field takes, in characters.
const MAX_CHARS: usize = 200;

impl MyDetails {
    /// The details as given, trimmed, empty fields dropped, or every field
    /// that is wrong. Field names: `name`, `phone`, `email`, `address`,
    /// `accounts.<platform>`.
    pub fn validated(self) -> Result<MyDetails, Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut keep = |r: Result<Option<String>, FieldError>| match r {
            Ok(v) => v,
            Err(e) => {
                errors.push(e);
                None
            }
        };
        let any = |_: &str| true;
        let name = keep(check(
            "name",
            self.name,
            any,
            "your name, up to 200 characters",
        ));
        let phone = keep(check(
            "phone",
            self.phone,
            is_phone,
            "a phone number: 5 to 20 digits, with + - ( ) or spaces",
        ));
        let email = keep(check(
            "email",
            self.email,
            is_email,
            "an e-mail address such as name@example.com",
        ));
        let address = keep(check(
            "address",
            self.address,
            any,
            "an address, up to 200 characters",
        ));
        let mut accounts = BTreeMap::new();
        for (platform, account) in self.accounts {
            let field = format!("accounts.{platform}");
            if !platform_presets().iter().any(|p| p.id == platform) {
                keep(Err(FieldError {
                    field,
                    given: Some(platform),
                    expected: "a platform preset id".to_owned(),
                }));
                continue;
            }
            if let Some(v) = keep(check(
                &field,
                Some(account),
                any,
                "an account, up to 200 characters",
            )) {
                accounts.insert(platform, v);
            }
        }
        if errors.is_empty() {
            Ok(MyDetails {
                name,
                phone,
                email,
                address,
                accounts,
            })
        } else {
            Err(errors)
        }
    }

    /// `c` with what it leaves empty taken from these details (the account
    /// from the one for `platform`). The case's own values win.
    pub fn fill(&self, c: &Complainant, platform: &str) -> Complainant {
        let or = |own: &Option<String>, mine: &Option<String>| own.clone().or(mine.clone());
        Complainant {
            name: or(&c.name, &self.name),
            phone: or(&c.phone, &self.phone),
            email: or(&c.email, &self.email),
            address: or(&c.address, &self.address),
            account: c
                .account
                .clone()
                .or_else(|| self.accounts.get(platform).cloned()),
        }
    }
}

/// `v` trimmed (blank is none), or why it is wrong.
fn check(
    field: &str,
    v: Option<String>,
    ok: impl Fn(&str) -> bool,
    expected: &str,
) -> Result<Option<String>, FieldError> {
    let Some(v) = v.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty()) else {
        return Ok(None);
    };
    if v.chars().count() > MAX_CHARS || !ok(&v) {
        return Err(FieldError {
            field: field.to_owned(),
            given: Some(v),
            expected: expected.to_owned(),
        });
    }
    Ok(Some(v))
}

fn is_phone(v: &str) -> bool {
    let digits = v.chars().filter(char::is_ascii_digit).count();
    (5..=20).contains(&digits) && v.chars().all(|c| c.is_ascii_digit() || " +-()".contains(c))
}

fn is_email(v: &str) -> bool {
    !v.contains(' ')
        && v.split_once('@').is_some_and(|(user, host)| {
            !user.is_empty() && host.contains('.') && !host.contains('@')
        })
}

impl Case {
    /// The case as its complaints see it: the complainant filled from the
    /// user's details where the case leaves a field empty.
    pub fn with_details(mut self, details: &MyDetails) -> Case {
        self.complainant = details.fill(&self.complainant, &self.platform.preset);
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mine() -> MyDetails {
        MyDetails {
            name: Some(" 张三 ".into()),
            phone: Some("138 0013 8000".into()),
            email: Some("zhang@example.com".into()),
            address: Some("北京市朝阳区某某路 1 号".into()),
            accounts: BTreeMap::from([("douyin_dou_plus".into(), "抖音号 zhang_2026".into())]),
        }
    }

    #[test]
    fn details_are_trimmed_and_checked_field_by_field() {
        let d = mine().validated().unwrap();
        assert_eq!(d.name.as_deref(), Some("张三"));
        let wrong = MyDetails {
            phone: Some("call me".into()),
            email: Some("zhang at example".into()),
            accounts: BTreeMap::from([("tiktok".into(), "x".into())]),
            ..mine()
        };
        let errors = wrong.validated().unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["phone", "email", "accounts.tiktok"], "{errors:?}");
        let empty = MyDetails {
            name: Some("   ".into()),
            ..MyDetails::default()
        };
        assert_eq!(
            empty.validated().unwrap(),
            MyDetails::default(),
            "blank is empty"
        );
    }

    #[test]
    fn the_case_wins_and_the_rest_is_filled_in() {
        let own = Complainant {
            email: Some("case@example.com".into()),
            ..Complainant::default()
        };
        let c = mine().validated().unwrap().fill(&own, "douyin_dou_plus");
        assert_eq!(
            c.email.as_deref(),
            Some("case@example.com"),
            "the case's own value"
        );
        assert_eq!(c.name.as_deref(), Some("张三"));
        assert_eq!(c.account.as_deref(), Some("抖音号 zhang_2026"));
        let other = mine().fill(&Complainant::default(), "card_shop");
        assert_eq!(other.account, None, "an account belongs to its platform");
    }
}
