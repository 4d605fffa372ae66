//! Products on sea-orm: the aggregate with its children, listing with filters and full-text
//! search, and the access facts other catalog objects check against.

use sea_orm::{ConnectionTrait, EntityTrait, QuerySelect};
use souk_catalog::ProductAccess;
use souk_kernel::{DomainError, UserId};
use uuid::Uuid;

use crate::db::db_error;
use crate::entities::product;

/// The columns access checks read: seller, status, admin status, visibility, deletion time.
type AccessRow = (Uuid, String, String, String, Option<chrono::DateTime<chrono::Utc>>);

/// The owner and visibility of a product, or `None` when it does not exist.
pub async fn product_access(
    conn: &impl ConnectionTrait,
    id: Uuid,
) -> Result<Option<ProductAccess>, DomainError> {
    let row: Option<AccessRow> = product::Entity::find_by_id(id)
        .select_only()
        .column(product::Column::SellerId)
        .column(product::Column::Status)
        .column(product::Column::AdminStatus)
        .column(product::Column::Visibility)
        .column(product::Column::DeletedAt)
        .into_tuple()
        .one(conn)
        .await
        .map_err(db_error)?;
    Ok(row.map(|(seller, status, admin_status, visibility, deleted_at)| ProductAccess {
        seller_id: UserId(seller),
        listed: status == "published" && admin_status == "approved" && visibility != "none",
        deleted: deleted_at.is_some(),
    }))
}
