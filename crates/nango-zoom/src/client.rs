//! [`Zoom`]: typed helpers for users and meetings over an authorised [`Session`]; everything else
//! through [`Session::request`].

use futures::Stream;
use futures::stream::{self, TryStreamExt};
use http::Method;
use nango_oauth::{Error, Session};
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::models::{Meeting, MeetingPage, MeetingRequest, User, UserPage};

/// The largest `page_size` Zoom accepts on most list endpoints.
pub const MAX_PAGE_SIZE: u32 = 300;

/// Typed access to Zoom's users and meetings.
#[derive(Debug, Clone)]
pub struct Zoom {
    session: Session,
}

impl Zoom {
    /// Wraps an authorised session of a Zoom integration.
    pub fn new(session: Session) -> Self {
        Self { session }
    }

    /// The session underneath, for any other endpoint.
    pub fn session(&self) -> &Session {
        &self.session
    }

    /// `GET /users/me`.
    ///
    /// # Errors
    /// The session's errors.
    pub async fn me(&self) -> Result<User, Error> {
        self.session.request_json(Method::GET, "/users/me", None).await
    }

    /// `GET /users/{userId}` (an id, an email, or `me`).
    ///
    /// # Errors
    /// The session's errors; Zoom's 404 code 1001 when the user does not exist.
    pub async fn user(&self, user_id: &str) -> Result<User, Error> {
        let path = format!("/users/{}", segment(user_id));
        self.session.request_json(Method::GET, &path, None).await
    }

    /// Every user of the account with `status` (Zoom's default: `active`), page after page
    /// over `next_page_token`, as a stream.
    pub fn users(&self, status: Option<&str>) -> impl Stream<Item = Result<User, Error>> + '_ {
        let mut path = format!("/users?page_size={MAX_PAGE_SIZE}");
        if let Some(status) = status {
            path.push_str(&format!("&status={}", segment(status)));
        }
        paginate::<UserPage, _>(&self.session, path, |page| (page.users, page.next_page_token))
    }

    /// `POST /users/{userId}/meetings`.
    ///
    /// # Errors
    /// The session's errors; Zoom's 429 with the per-user daily cap (100 creates and updates).
    pub async fn create_meeting(
        &self,
        user_id: &str,
        request: &MeetingRequest,
    ) -> Result<Meeting, Error> {
        let path = format!("/users/{}/meetings", segment(user_id));
        self.session.request_json(Method::POST, &path, Some(to_json(request)?)).await
    }

    /// `GET /meetings/{meetingId}`.
    ///
    /// # Errors
    /// The session's errors; Zoom's 404 code 3001 when the meeting does not exist.
    pub async fn meeting(&self, meeting_id: i64) -> Result<Meeting, Error> {
        self.session.request_json(Method::GET, &format!("/meetings/{meeting_id}"), None).await
    }

    /// Every meeting of a user, as a stream.
    pub fn meetings(&self, user_id: &str) -> impl Stream<Item = Result<Meeting, Error>> + '_ {
        let path = format!("/users/{}/meetings?page_size={MAX_PAGE_SIZE}", segment(user_id));
        paginate::<MeetingPage, _>(&self.session, path, |p| (p.meetings, p.next_page_token))
    }

    /// `PATCH /meetings/{meetingId}` (answers 204).
    ///
    /// # Errors
    /// The session's errors.
    pub async fn update_meeting(
        &self,
        meeting_id: i64,
        request: &MeetingRequest,
    ) -> Result<(), Error> {
        let path = format!("/meetings/{meeting_id}");
        self.session
            .request(Method::PATCH, &path, Some(to_json(request)?), Default::default())
            .await?;
        Ok(())
    }

    /// `DELETE /meetings/{meetingId}` (answers 204).
    ///
    /// # Errors
    /// The session's errors.
    pub async fn delete_meeting(&self, meeting_id: i64) -> Result<(), Error> {
        let path = format!("/meetings/{meeting_id}");
        self.session.request(Method::DELETE, &path, None, Default::default()).await?;
        Ok(())
    }
}

/// A stream of the items of every page of `path`, following Zoom's `next_page_token` until it
/// is empty. The same filters are sent with every page, as Zoom requires.
pub fn paginate<P, T>(
    session: &Session,
    path: String,
    split: fn(P) -> (Vec<T>, Option<String>),
) -> impl Stream<Item = Result<T, Error>> + '_
where
    P: DeserializeOwned + 'static,
    T: 'static,
{
    let state = Some((path, None::<String>));
    stream::try_unfold(state, move |state| async move {
        let Some((path, cursor)) = state else { return Ok::<_, Error>(None) };
        let url = match &cursor {
            Some(token) => format!("{path}&next_page_token={}", segment(token)),
            None => path.clone(),
        };
        let page: P = session.request_json(Method::GET, &url, None).await?;
        let (items, next) = split(page);
        let next = next.filter(|t| !t.is_empty() && Some(t) != cursor.as_ref());
        Ok(Some((stream::iter(items.into_iter().map(Ok)), next.map(|n| (path, Some(n))))))
    })
    .try_flatten()
}

/// Percent-encodes one path segment or query value.
fn segment(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

fn to_json(request: &MeetingRequest) -> Result<Value, Error> {
    serde_json::to_value(request).map_err(|e| Error::Io {
        context: "encoding the meeting".into(),
        source: std::io::Error::other(e),
    })
}
