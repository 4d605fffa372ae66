//! Files: upload (optionally linked to a product, variant, landing page, review or user), list,
//! read, download, delete and unlink.

use actix_multipart::{Field, Multipart};
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, delete, get, post, web};
use chrono::{DateTime, Utc};
use futures_util::StreamExt;
use serde::Serialize;
use souk_catalog::file::safe_file_name;
use souk_catalog::{FileFilter, FileSort, FileableType, MimePattern};
use souk_kernel::FieldErrors;
use souk_marketplace::adapters::files::{MAX_FILE_BYTES, MAX_IMAGE_BYTES, size_limit};
use souk_marketplace::files::{NewFile, StoredFile};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::app::AppState;
use crate::http::auth::Caller;
use crate::http::error::{ApiError, ErrorBody, ErrorCode};
use crate::http::extractors::is_multipart;
use crate::http::query::QueryParams;
use crate::routes::auth::MessageResponse;
use crate::{list_envelope, one_envelope};

/// One place a file is linked.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FileLinkDto {
    /// The kind of object.
    #[schema(example = "product", pattern = "^(product|variant|landing_page|review|return|user)$")]
    pub fileable_type: String,
    /// The object.
    pub fileable_id: Uuid,
    /// What the file is to the object (`image` for a product's gallery, `thumbnail`, ...), if
    /// given.
    #[schema(example = "image")]
    pub role: Option<String>,
    /// Position among the object's files (from 0).
    pub order: i32,
    /// Alternative text for the file in this place.
    pub alt: Option<String>,
    /// When the link was made.
    pub created_at: DateTime<Utc>,
}

/// A stored file.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FileDto {
    /// Id.
    pub id: Uuid,
    /// The uploaded file's name, made safe (no path, no control or quote characters).
    #[schema(example = "red-lamp.jpg")]
    pub name: String,
    /// Size in bytes.
    #[schema(example = 48213)]
    pub size: i64,
    /// Alternative text of the file's first link (the link made on upload, if any); `null`
    /// for a file with no link or a link without `alt`. Every link's own `alt` is in `links`.
    pub alt: Option<String>,
    /// The type judged from the bytes (never from the name or the client's header).
    #[schema(example = "image/jpeg")]
    pub mime_type: String,
    /// Upload time.
    pub created_at: DateTime<Utc>,
    /// Where to download the bytes: an absolute path on this server.
    #[schema(example = "/api/v1/files/01939c3e-8f3a-7cc1-9a57-0c1d2e3f4a5b/content")]
    pub url: String,
    /// A smaller preview; Souk does not generate thumbnails yet, so this is always `null`.
    #[schema(value_type = Option<String>)]
    pub thumbnail: Option<String>,
    /// Everywhere the file is linked that the caller may see (admins: every link), oldest first.
    pub links: Vec<FileLinkDto>,
}

impl From<StoredFile> for FileDto {
    fn from(stored: StoredFile) -> Self {
        let file = stored.file;
        let links: Vec<FileLinkDto> = stored
            .links
            .into_iter()
            .map(|l| FileLinkDto {
                fileable_type: l.fileable_type,
                fileable_id: l.fileable_id,
                role: l.role,
                order: l.position,
                alt: l.alt,
                created_at: l.created_at,
            })
            .collect();
        FileDto {
            url: format!("/api/v1/files/{}/content", file.id),
            id: file.id,
            name: file.name,
            size: file.size,
            alt: links.first().and_then(|l| l.alt.clone()),
            mime_type: file.mime_type,
            created_at: file.created_at,
            thumbnail: None,
            links,
        }
    }
}

one_envelope!(
    /// `{"data": {"file": ...}}`
    FileResponse, FileData, file: FileDto
);
list_envelope!(
    /// `{"data": {"files": [...], "pagination": ...}}`
    FileListResponse, FileListData, files: FileDto
);

/// The upload form (`multipart/form-data`).
#[derive(Debug, ToSchema)]
#[allow(dead_code)]
pub struct UploadForm {
    /// The file. Its type is judged from its bytes: JPEG, PNG, WebP and GIF images (at most
    /// 5 MiB); PDF, EPUB, ZIP, gzip, Office Open XML and OpenDocument documents, MP3, Ogg, WAV,
    /// FLAC and M4A audio, MP4, WebM and QuickTime video (at most 50 MiB). Anything else,
    /// including text, SVG, HTML and executables, is `422` on `file`.
    #[schema(value_type = String, format = Binary, content_media_type = "application/octet-stream")]
    file: Vec<u8>,
    /// Link the file to an object of this kind. `return` is part of the contract but returns do
    /// not exist yet: it is refused with `422`.
    #[schema(pattern = "^(product|variant|landing_page|review|return|user)$")]
    fileable_type: Option<String>,
    /// The object to link to (required with `fileable_type`).
    fileable_id: Option<Uuid>,
    /// What the file is to the object: 1 to 32 of `a-z`, `0-9`, `_`, `-`. `image` on a product
    /// puts the file in the product's gallery (what product reads show as `images`); `image` on a
    /// product or variant needs an image file (`422` on `file` and `role` otherwise), and a
    /// product takes at most 50 gallery images (`422` on `role` beyond).
    #[schema(pattern = "^[a-z0-9_-]{1,32}$")]
    role: Option<String>,
    /// Position among the object's files; after the last one when absent.
    #[schema(minimum = 0, maximum = 100000)]
    order: Option<i32>,
    /// Alternative text for the file in this place.
    #[schema(max_length = 300)]
    alt: Option<String>,
}

const TEXT_PART_LIMIT: usize = 4096;
/// Bytes read before choosing the image or the general size limit.
const SNIFF_BYTES: usize = 16;

fn malformed(error: impl std::fmt::Display) -> ApiError {
    ApiError::new(ErrorCode::BadRequest, format!("malformed multipart body: {error}"))
}

/// Reads the `file` part, refusing it as soon as it passes the limit its first bytes imply.
async fn read_file_part(field: &mut Field) -> Result<Vec<u8>, ApiError> {
    let mut bytes = Vec::new();
    let mut limit = MAX_FILE_BYTES;
    let mut decided = false;
    while let Some(chunk) = field.next().await {
        bytes.extend_from_slice(&chunk.map_err(malformed)?);
        if !decided && bytes.len() >= SNIFF_BYTES {
            limit = size_limit(&bytes);
            decided = true;
        }
        if bytes.len() > limit {
            let kind = if limit == MAX_IMAGE_BYTES { "an image" } else { "a file" };
            return Err(ApiError::new(
                ErrorCode::PayloadTooLarge,
                format!("{kind} may be at most {} MiB", limit / (1024 * 1024)),
            ));
        }
    }
    Ok(bytes)
}

async fn read_text_part(field: &mut Field, name: &str) -> Result<String, ApiError> {
    let mut bytes = Vec::new();
    while let Some(chunk) = field.next().await {
        let chunk = chunk.map_err(malformed)?;
        if bytes.len() + chunk.len() > TEXT_PART_LIMIT {
            return Err(ApiError::new(ErrorCode::PayloadTooLarge, format!("the {name} part is too large")));
        }
        bytes.extend_from_slice(&chunk);
    }
    String::from_utf8(bytes)
        .map_err(|_| ApiError::validation(FieldErrors::single(name, "must be UTF-8 text")))
}

async fn read_upload(mut form: Multipart) -> Result<NewFile, ApiError> {
    let mut upload = NewFile::default();
    let mut seen_file = false;
    let mut errors = FieldErrors::new();
    while let Some(field) = form.next().await {
        let mut field = field.map_err(malformed)?;
        let name = field.name().unwrap_or_default().to_owned();
        if name == "file" {
            if seen_file {
                errors.add("file", "send one file per request");
            }
            seen_file = true;
            upload.name =
                field.content_disposition().and_then(|d| d.get_filename()).unwrap_or_default().to_owned();
            upload.bytes = read_file_part(&mut field).await?;
            continue;
        }
        let value = read_text_part(&mut field, &name).await?;
        let link = &mut upload.link;
        let slot = match name.as_str() {
            "fileable_type" => &mut link.fileable_type,
            "fileable_id" => &mut link.fileable_id,
            "role" => &mut link.role,
            "order" => &mut link.order,
            "alt" => &mut link.alt,
            _ => {
                errors
                    .add(name, "unknown field; expected file, fileable_type, fileable_id, role, order, alt");
                continue;
            }
        };
        *slot = Some(value);
    }
    if !seen_file {
        errors.add("file", "is required");
    }
    if errors.is_empty() { Ok(upload) } else { Err(ApiError::validation(errors)) }
}

/// Uploads a file as `multipart/form-data` (this route takes up to 50 MiB; the 1 MiB JSON
/// limit does not apply). The type is judged from the bytes, never from the name; unknown
/// types are `422` on `file`, an image over 5 MiB or another file over 50 MiB is `413`, both
/// refused before anything is stored. With `fileable_type` and `fileable_id` the file is linked
/// in the same step: a product (or a variant's product) must be the caller's own, a user must be
/// the caller, a landing page or review must be the caller's (admins may link to anything that
/// exists); an unknown or invisible target is `422` on `fileable_id`, one the caller may see but
/// not change is `403`. Role `image` on a product or variant needs an image file (`422` on `file`
/// and `role`), and adds to a product's gallery only while it has fewer than 50 images (`422` on
/// `role`). A refused link stores nothing. Requires: any signed-in user.
/// Permission: `file:upload`.
#[utoipa::path(
    tag = "files",
    params(("Idempotency-Key" = Option<String>, Header, pattern = "^[!-~]{1,255}$", description = "Replays the first response for retries within 24 h")),
    request_body(content((UploadForm = "multipart/form-data"))),
    security(("bearer" = ["file:upload"]), ("basic" = ["file:upload"])),
    responses(
        (status = 201, description = "Stored (and linked, when asked)", body = FileResponse),
        (status = 400, description = "Malformed multipart body", body = ErrorBody),
        (status = 401, description = "Missing or invalid credentials", body = ErrorBody),
        (status = 403, description = "The link target is visible but not the caller's, or the client lacks file:upload", body = ErrorBody),
        (status = 409, description = "A request with this Idempotency-Key is in flight", body = ErrorBody),
        (status = 413, description = "An image over 5 MiB, another file over 50 MiB, or a text part over 4 KiB", body = ErrorBody),
        (status = 415, description = "The body is not multipart/form-data", body = ErrorBody),
        (status = 422, description = "Missing or unaccepted file type, invalid link fields, `return` as fileable_type, an unknown link target, role `image` on a product or variant with a file that is not an image, or a product gallery already holding 50 images", body = ErrorBody),
        (status = 429, description = "Rate limited", body = ErrorBody),
    )
)]
#[post("/files")]
pub async fn upload_file(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
    Caller(actor): Caller,
) -> Result<HttpResponse, ApiError> {
    if !is_multipart(&req) {
        return Err(ApiError::new(ErrorCode::UnsupportedMediaType, "the body must be multipart/form-data"));
    }
    state.marketplace.authorize_upload(&actor)?;
    let upload = read_upload(Multipart::new(req.headers(), payload)).await?;
    let file = state.marketplace.upload_file(&actor, upload).await?;
    Ok(HttpResponse::Created().json(FileResponse::new(file.into())))
}

/// The filters of the file list.
#[derive(Debug, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct FileListQuery {
    /// Page number, from 1.
    #[param(minimum = 1)]
    page: Option<u32>,
    /// Items per page, 1 to 200 (default 20).
    #[param(minimum = 1, maximum = 200)]
    page_size: Option<u32>,
    /// `created_at` (default), `size` or `name`.
    #[param(pattern = "^(created_at|size|name)$")]
    order_by: Option<String>,
    /// `ASC` or `DESC` (default), any case.
    order_direction: Option<String>,
    /// Only files linked to objects of these kinds (comma separated or repeated).
    #[param(example = "product,variant")]
    fileable_type: Option<String>,
    /// Only files linked to this object.
    fileable_id: Option<Uuid>,
    /// Only these types; `image/*` stands for every image type (comma separated or repeated).
    #[param(example = "image/*,application/pdf")]
    mime_type: Option<String>,
    /// Uploaded at or after: RFC 3339, a date or Unix seconds.
    from: Option<String>,
    /// Uploaded at or before (a bare date includes the whole day).
    to: Option<String>,
}

/// Lists files, newest first: the caller's own uploads, or every file for admins. Each file's
/// `links` holds only the links to objects the caller may see.
/// Requires: any signed-in user. Permission: `file:browse`.
#[utoipa::path(
    tag = "files",
    params(FileListQuery),
    security(("bearer" = ["file:browse"]), ("basic" = ["file:browse"])),
    responses(
        (status = 200, description = "A page of files", body = FileListResponse),
        (status = 400, description = "Malformed query string", body = ErrorBody),
        (status = 401, description = "Missing or invalid credentials", body = ErrorBody),
        (status = 403, description = "The client lacks file:browse", body = ErrorBody),
        (status = 422, description = "A filter, sort or page parameter is invalid", body = ErrorBody),
        (status = 429, description = "Rate limited", body = ErrorBody),
    )
)]
#[get("/files")]
pub async fn list_files(
    state: web::Data<AppState>,
    Caller(actor): Caller,
    query: QueryParams,
) -> Result<web::Json<FileListResponse>, ApiError> {
    let mut reader = query.reader();
    let page = reader.page();
    let (sort, direction) = reader.sort::<FileSort>();
    let (from, to) = reader.time_range("from", "to");
    let filter = FileFilter {
        owner_id: None,
        fileable_types: reader.many::<FileableType>("fileable_type"),
        fileable_id: reader.uuid("fileable_id"),
        mime_types: reader.many::<MimePattern>("mime_type"),
        from,
        to,
    };
    reader.finish()?;
    let files = state.marketplace.list_files(&actor, filter, sort, direction, page).await?;
    Ok(web::Json(FileListResponse::new(files.map(FileDto::from))))
}

/// One file with the links the caller may see (links to objects it cannot see are left out;
/// admins see every link). The uploader and admins see any file; anyone else, signed in or not,
/// sees a file only while it is media of a product visible to them (linked to the product or to
/// one of its variants, or a variant's image) or a photo of a review visible to them (a
/// published review of a visible product, or their own). Images of draft, rejected, blocked or
/// deleted products are `404` to the public. Others get `404`.
/// Permission: `file:browse` (not needed for files visible through a product or review).
#[utoipa::path(
    tag = "files",
    params(("id" = Uuid, Path, description = "File id")),
    security((), ("bearer" = ["file:browse"]), ("basic" = ["file:browse"])),
    responses(
        (status = 200, description = "The file", body = FileResponse),
        (status = 401, description = "Invalid credentials", body = ErrorBody),
        (status = 403, description = "The client lacks file:browse", body = ErrorBody),
        (status = 404, description = "No such file, or not visible to the caller", body = ErrorBody),
        (status = 429, description = "Rate limited", body = ErrorBody),
    )
)]
#[get("/files/{id}")]
pub async fn get_file(
    state: web::Data<AppState>,
    Caller(actor): Caller,
    id: web::Path<Uuid>,
) -> Result<web::Json<FileResponse>, ApiError> {
    let file = state.marketplace.get_file(&actor, id.into_inner()).await?;
    Ok(web::Json(FileResponse::new(file.into())))
}

/// The raw bytes of a file.
#[derive(Debug, ToSchema)]
#[schema(value_type = String, format = Binary)]
pub struct FileBytes(#[allow(dead_code)] Vec<u8>);

/// Characters RFC 5987 allows unescaped in `filename*`.
fn is_attr_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&b)
}

/// `inline` for images, audio and video, `attachment` for everything else, with an ASCII
/// `filename` and the exact UTF-8 name in `filename*`.
pub fn content_disposition(name: &str, mime: &str) -> String {
    let name = safe_file_name(name);
    let ascii: String = name.chars().map(|c| if c.is_ascii() { c } else { '_' }).collect();
    let encoded: String = name
        .bytes()
        .map(|b| if is_attr_char(b) { (b as char).to_string() } else { format!("%{b:02X}") })
        .collect();
    let kind = if ["image/", "audio/", "video/"].iter().any(|p| mime.starts_with(p)) {
        "inline"
    } else {
        "attachment"
    };
    format!("{kind}; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

/// Downloads a file's bytes with the type judged at upload (`Content-Type`), `Content-Length`,
/// a `Content-Disposition` carrying a safe file name (`inline` for images, audio and video,
/// `attachment` otherwise) and `X-Content-Type-Options: nosniff`. Who may download is who may
/// read the file: the uploader, admins, and anyone the file is visible to through a product (its
/// media, a variant's media or a variant's image, while the product is visible to them) or a
/// review (a published review of a visible product, or their own). Images of draft, rejected,
/// blocked or deleted products are `404` to the public, as is anything else not visible.
/// Permission: `file:browse` (not needed for files visible through a product or review).
#[utoipa::path(
    tag = "files",
    params(("id" = Uuid, Path, description = "File id")),
    security((), ("bearer" = ["file:browse"]), ("basic" = ["file:browse"])),
    responses(
        (status = 200, description = "The bytes, with the file's own media type", content((FileBytes = "*/*")),
            headers(
                ("Content-Disposition" = String, description = "inline or attachment, with filename and filename*"),
                ("X-Content-Type-Options" = String, description = "Always nosniff"),
            )),
        (status = 401, description = "Invalid credentials", body = ErrorBody),
        (status = 403, description = "The client lacks file:browse", body = ErrorBody),
        (status = 404, description = "No such file, or not visible to the caller", body = ErrorBody),
        (status = 429, description = "Rate limited", body = ErrorBody),
    )
)]
#[get("/files/{id}/content")]
pub async fn download_file(
    state: web::Data<AppState>,
    Caller(actor): Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let content = state.marketplace.file_content(&actor, id.into_inner()).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, content.file.mime_type.clone()))
        .insert_header((
            header::CONTENT_DISPOSITION,
            content_disposition(&content.file.name, &content.file.mime_type),
        ))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .body(content.bytes))
}

/// Deletes a file everywhere: its links go with it, variants using it as their image lose the
/// image, then the bytes are removed. Requires: the uploader or an admin (storefront media that
/// is not the caller's is `403`; other files not the caller's are `404`).
/// Permission: `file:delete`.
#[utoipa::path(
    tag = "files",
    params(("id" = Uuid, Path, description = "File id")),
    security(("bearer" = ["file:delete"]), ("basic" = ["file:delete"])),
    responses(
        (status = 200, description = "Deleted", body = MessageResponse),
        (status = 401, description = "Missing or invalid credentials", body = ErrorBody),
        (status = 403, description = "Visible storefront media that is not the caller's, or the client lacks file:delete", body = ErrorBody),
        (status = 404, description = "No such file, or not visible to the caller", body = ErrorBody),
        (status = 429, description = "Rate limited", body = ErrorBody),
    )
)]
#[delete("/files/{id}")]
pub async fn delete_file(
    state: web::Data<AppState>,
    Caller(actor): Caller,
    id: web::Path<Uuid>,
) -> Result<web::Json<MessageResponse>, ApiError> {
    state.marketplace.delete_file(&actor, id.into_inner()).await?;
    Ok(web::Json(MessageResponse::new("file deleted")))
}

/// The path of one link.
#[derive(Debug, serde::Deserialize)]
pub struct LinkPath {
    id: Uuid,
    fileable_type: String,
    fileable_id: Uuid,
}

/// Removes one link of a file and keeps the file. Same rules as deleting: the uploader or an
/// admin. A link that does not exist (or an unknown `fileable_type`) is `404`.
/// Permission: `file:delete`.
#[utoipa::path(
    tag = "files",
    params(
        ("id" = Uuid, Path, description = "File id"),
        ("fileable_type" = String, Path, pattern = "^(product|variant|landing_page|review|return|user)$", description = "The kind of linked object"),
        ("fileable_id" = Uuid, Path, description = "The linked object"),
    ),
    security(("bearer" = ["file:delete"]), ("basic" = ["file:delete"])),
    responses(
        (status = 200, description = "Unlinked", body = MessageResponse),
        (status = 401, description = "Missing or invalid credentials", body = ErrorBody),
        (status = 403, description = "Visible storefront media that is not the caller's, or the client lacks file:delete", body = ErrorBody),
        (status = 404, description = "No such file or link, or the file is not visible to the caller", body = ErrorBody),
        (status = 429, description = "Rate limited", body = ErrorBody),
    )
)]
#[delete("/files/{id}/links/{fileable_type}/{fileable_id}")]
pub async fn unlink_file(
    state: web::Data<AppState>,
    Caller(actor): Caller,
    path: web::Path<LinkPath>,
) -> Result<web::Json<MessageResponse>, ApiError> {
    let LinkPath { id, fileable_type, fileable_id } = path.into_inner();
    let fileable_type = fileable_type
        .parse::<FileableType>()
        .map_err(|_| ApiError::new(ErrorCode::NotFound, "file link not found"))?;
    state.marketplace.unlink_file(&actor, id, fileable_type, fileable_id).await?;
    Ok(web::Json(MessageResponse::new("file unlinked")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dispositions_carry_a_safe_name() {
        assert_eq!(
            content_disposition("../lamp.png", "image/png"),
            "inline; filename=\"lamp.png\"; filename*=UTF-8''lamp.png"
        );
        assert_eq!(
            content_disposition("résumé \"1\".pdf", "application/pdf"),
            "attachment; filename=\"r_sum_ 1.pdf\"; filename*=UTF-8''r%C3%A9sum%C3%A9%201.pdf"
        );
    }
}
