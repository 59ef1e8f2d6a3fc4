//! [`Zoom`]: typed helpers for users and meetings over an authorised [`Session`]; everything else
//! through [`Session::request`].

use futures::Stream;
use http::{HeaderMap, Method};
use nango_config::blueprint::{ApiSpec, PaginationSpec};
use nango_oauth::{Error, Session};
use serde_json::Value;

use crate::models::{Meeting, MeetingPage, MeetingRequest, User, UserPage};

/// The largest `page_size` Zoom accepts on most list endpoints.
pub const MAX_PAGE_SIZE: u32 = 300;

/// Zoom's cursor pagination, as the built-in `zoom:v0` and `zoom-server-to-server:v0`
/// blueprints declare it: `next_page_token` in the body and the query, `page_size` up to
/// [`MAX_PAGE_SIZE`]. [`Zoom`] uses it when the integration's blueprint declares none.
pub fn pagination() -> PaginationSpec {
    PaginationSpec::Cursor {
        cursor_param: "next_page_token".into(),
        cursor_field: "next_page_token".into(),
        page_size_param: Some("page_size".into()),
        max_page_size: Some(MAX_PAGE_SIZE),
    }
}

/// Typed access to Zoom's users and meetings.
#[derive(Debug, Clone)]
pub struct Zoom {
    session: Session,
    pagination: PaginationSpec,
}

impl Zoom {
    /// Wraps an authorised session of a Zoom integration. Listings page as the integration's
    /// blueprint says (`api.pagination`, overrides included), else as [`pagination`].
    pub fn new(session: Session) -> Self {
        let pagination = pagination_of(&session.oauth().integration().blueprint.api);
        Self { session, pagination }
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
    /// over `next_page_token`, as a stream. A page is fetched when the items before it have
    /// been taken.
    ///
    /// # Errors
    /// Each item may be an error of [`Session::items`]; the stream ends after it.
    pub fn users(&self, status: Option<&str>) -> impl Stream<Item = Result<User, Error>> + '_ {
        let path = match status {
            Some(status) => format!("/users?status={}", segment(status)),
            None => "/users".to_owned(),
        };
        self.session.items::<UserPage>(&self.pagination, &path, HeaderMap::new())
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

    /// Every meeting of a user, page after page, as a stream.
    ///
    /// # Errors
    /// Each item may be an error of [`Session::items`]; the stream ends after it.
    pub fn meetings(&self, user_id: &str) -> impl Stream<Item = Result<Meeting, Error>> + '_ {
        let path = format!("/users/{}/meetings", segment(user_id));
        self.session.items::<MeetingPage>(&self.pagination, &path, HeaderMap::new())
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

/// The blueprint's pagination, or Zoom's when it declares none.
fn pagination_of(api: &ApiSpec) -> PaginationSpec {
    api.pagination.clone().unwrap_or_else(pagination)
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

#[cfg(test)]
mod tests {
    use nango_config::Blueprints;

    use super::*;

    #[test]
    fn the_built_in_blueprints_page_like_zoom() {
        for reference in ["zoom:v0", "zoom-server-to-server:v0"] {
            let blueprint = Blueprints::builtin().get(reference).unwrap();
            assert_eq!(blueprint.api.pagination, Some(pagination()), "{reference}");
        }
    }

    #[test]
    fn a_blueprint_without_pagination_pages_like_zoom_and_one_with_it_as_it_says() {
        let mut api = Blueprints::builtin().get("zoom:v0").unwrap().api;
        api.pagination = None;
        assert_eq!(pagination_of(&api), pagination());
        let smaller = PaginationSpec::Cursor {
            cursor_param: "next_page_token".into(),
            cursor_field: "next_page_token".into(),
            page_size_param: Some("page_size".into()),
            max_page_size: Some(100),
        };
        api.pagination = Some(smaller.clone());
        assert_eq!(pagination_of(&api), smaller);
    }
}
