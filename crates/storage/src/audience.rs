//! The product-visibility subqueries that lists of product-bound objects (reviews, landing pages,
//! collection counts) filter on, mirroring [`souk_catalog::ProductAccess::visible_to`].

use sea_orm::sea_query::{Condition, Query, SelectStatement};
use sea_orm::{ColumnTrait, EntityName};
use souk_kernel::UserId;

use crate::entities::product;

/// Ids of the products `user` can see: undeleted, and listed (published, approved, not hidden)
/// or sold by `user`. With `None`, the products the public can see.
pub fn visible_products(user: Option<UserId>) -> SelectStatement {
    let listed = Condition::all()
        .add(product::Column::Status.eq("published"))
        .add(product::Column::AdminStatus.eq("approved"))
        .add(product::Column::Visibility.ne("none"));
    let mut shown = Condition::any().add(listed);
    if let Some(user) = user {
        shown = shown.add(product::Column::SellerId.eq(user.as_uuid()));
    }
    Query::select()
        .column(product::Column::Id)
        .from(product::Entity.table_ref())
        .cond_where(Condition::all().add(product::Column::DeletedAt.is_null()).add(shown))
        .to_owned()
}
