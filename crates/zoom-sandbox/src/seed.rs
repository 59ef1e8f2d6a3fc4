//! The users of an account, generated deterministically from the account id.

use chrono::{DateTime, TimeDelta, Utc};
use serde_json::{Value, json};

use crate::clock::zoom_time;

const FIRST: &[&str] = &[
    "Ada",
    "Grace",
    "Alan",
    "Barbara",
    "Edsger",
    "Margaret",
    "Donald",
    "Frances",
    "Ken",
    "Radia",
    "Linus",
    "Katherine",
    "Dennis",
    "Hedy",
    "John",
    "Sophie",
    "Tim",
    "Anita",
    "Niklaus",
    "Shafi",
];
const LAST: &[&str] = &[
    "Lovelace",
    "Hopper",
    "Turing",
    "Liskov",
    "Dijkstra",
    "Hamilton",
    "Knuth",
    "Allen",
    "Thompson",
    "Perlman",
    "Torvalds",
    "Johnson",
    "Ritchie",
    "Lamarr",
    "McCarthy",
    "Wilson",
    "Lee",
    "Borg",
    "Wirth",
    "Goldwasser",
];
const ZONES: &[&str] =
    &["America/Los_Angeles", "America/New_York", "Europe/London", "Europe/Berlin", "Asia/Tokyo"];
const DEPTS: &[&str] = &["Engineering", "Sales", "Support", "Finance", "Marketing"];

/// One user of an account.
#[derive(Debug, Clone)]
pub(crate) struct User {
    /// Position in the account, 0 for the owner; the order of `GET /users`.
    pub(crate) index: usize,
    pub(crate) id: String,
    pub(crate) email: String,
    pub(crate) first_name: String,
    pub(crate) last_name: String,
    /// 1 Basic, 2 Licensed.
    pub(crate) user_type: u8,
    /// `active`, `inactive` or `pending`.
    pub(crate) status: &'static str,
    pub(crate) role_id: &'static str,
    pub(crate) role_name: &'static str,
    pub(crate) timezone: &'static str,
    pub(crate) dept: &'static str,
    pub(crate) pmi: i64,
    pub(crate) created_at: DateTime<Utc>,
    pub(crate) account_id: String,
}

/// SplitMix64: a tiny deterministic generator, so seeds never depend on a crate's algorithm.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn pick<T: Copy>(&mut self, from: &[T]) -> T {
        from[(self.next() % from.len() as u64) as usize]
    }
}

fn seed_of(text: &str) -> u64 {
    text.bytes()
        .fold(0xCBF2_9CE4_8422_2325, |h, b| (h ^ u64::from(b)).wrapping_mul(0x100_0000_01B3))
}

fn id_from(rng: &mut SplitMix) -> String {
    use base64::Engine as _;
    let mut bytes = [0u8; 16];
    bytes[..8].copy_from_slice(&rng.next().to_le_bytes());
    bytes[8..].copy_from_slice(&rng.next().to_le_bytes());
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// The owner plus `extra` users of `account_id`; the same inputs give the same users.
pub(crate) fn users(account_id: &str, extra: usize) -> Vec<User> {
    let mut rng = SplitMix(seed_of(account_id));
    let epoch = "2019-01-07T09:00:00Z".parse::<DateTime<Utc>>().unwrap_or_default();
    let account_id_shown = id_from(&mut rng);

    (0..=extra)
        .map(|index| {
            let first = rng.pick(FIRST);
            let last = rng.pick(LAST);
            let owner = index == 0;
            let status = match rng.next() % 20 {
                _ if owner => "active",
                0 => "inactive",
                1 => "pending",
                _ => "active",
            };
            User {
                index,
                id: id_from(&mut rng),
                email: format!("{}.{}{index}@example.com", first, last).to_lowercase(),
                first_name: first.to_owned(),
                last_name: last.to_owned(),
                user_type: if owner || !rng.next().is_multiple_of(3) { 2 } else { 1 },
                status,
                role_id: if owner { "0" } else { "2" },
                role_name: if owner { "Owner" } else { "Member" },
                timezone: rng.pick(ZONES),
                dept: rng.pick(DEPTS),
                pmi: 3_000_000_000 + (rng.next() % 7_000_000_000) as i64,
                created_at: epoch + TimeDelta::minutes(index as i64 * 37),
                account_id: account_id_shown.clone(),
            }
        })
        .collect()
}

impl User {
    /// The body of `GET /users/{userId}`.
    pub(crate) fn full_json(&self, base_url: &str) -> Value {
        json!({
            "id": self.id,
            "first_name": self.first_name,
            "last_name": self.last_name,
            "display_name": format!("{} {}", self.first_name, self.last_name),
            "email": self.email,
            "type": self.user_type,
            "role_name": self.role_name,
            "pmi": self.pmi,
            "use_pmi": false,
            "personal_meeting_url": format!("{base_url}/j/{}", self.pmi),
            "timezone": self.timezone,
            "verified": 1,
            "dept": self.dept,
            "created_at": zoom_time(self.created_at),
            "user_created_at": zoom_time(self.created_at),
            "last_login_time": zoom_time(self.created_at + TimeDelta::days(400)),
            "last_client_version": "5.17.11.34827(mac)",
            "pic_url": "",
            "language": "en-US",
            "phone_number": "",
            "status": self.status,
            "role_id": self.role_id,
            "account_id": self.account_id,
            "account_number": 100_000_000 + self.index as i64,
            "cluster": "us05",
            "group_ids": [],
            "im_group_ids": [],
            "jid": format!("{}@xmpp.zoom.us", self.id.to_lowercase()),
            "job_title": "",
            "location": "",
            "login_types": [100],
            "phone_numbers": [],
            "plan_united_type": "1",
            "custom_attributes": [],
            "employee_unique_id": "",
            "host_key": format!("{:06}", self.pmi % 1_000_000),
        })
    }

    /// One element of `GET /users`.
    pub(crate) fn list_json(&self) -> Value {
        json!({
            "id": self.id,
            "first_name": self.first_name,
            "last_name": self.last_name,
            "display_name": format!("{} {}", self.first_name, self.last_name),
            "email": self.email,
            "type": self.user_type,
            "pmi": self.pmi,
            "timezone": self.timezone,
            "verified": 1,
            "dept": self.dept,
            "created_at": zoom_time(self.created_at),
            "user_created_at": zoom_time(self.created_at),
            "last_login_time": zoom_time(self.created_at + TimeDelta::days(400)),
            "last_client_version": "5.17.11.34827(mac)",
            "language": "en-US",
            "status": self.status,
            "role_id": self.role_id,
            "employee_unique_id": "",
            "group_ids": [],
            "im_group_ids": [],
            "custom_attributes": [],
            "host_key": format!("{:06}", self.pmi % 1_000_000),
            "plan_united_type": "1",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeding_is_deterministic_and_unique() {
        let a = users("demo-account", 500);
        let b = users("demo-account", 500);
        assert_eq!(a.len(), 501);
        assert!(a.iter().zip(&b).all(|(x, y)| x.id == y.id && x.email == y.email));
        let ids: std::collections::HashSet<_> = a.iter().map(|u| &u.id).collect();
        assert_eq!(ids.len(), 501);
        assert!(a.iter().all(|u| u.id.len() == 22));
        assert_eq!(a[0].status, "active");
        assert_eq!(a[0].role_name, "Owner");
    }
}
