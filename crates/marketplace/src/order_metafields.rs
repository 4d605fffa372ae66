//! Order metafields: integrations and the parties to an order keep small JSON values on it by
//! namespace and key, as they do on products and accounts.

use souk_auth::permission::require;
use souk_kernel::metafield::{Metafield, new_metafield};
use souk_kernel::{Actor, DomainError};
use souk_orders::order::OrderId;
use souk_orders::status::Party;
use souk_storage::db_error;
use souk_storage::order_metafields::{order_metafields, upsert_order_metafield};
use souk_storage::orders::find_order;

use crate::Marketplace;

/// The order exists and the actor is party to it or an admin; otherwise `NotFound`.
async fn party_to(
    conn: &impl sea_orm::ConnectionTrait,
    actor: &Actor,
    id: OrderId,
    lock: bool,
) -> Result<(), DomainError> {
    let order = find_order(conn, id, lock).await?.ok_or(DomainError::NotFound { resource: "order" })?;
    Party::of(actor, order.buyer_id, order.seller_id).ok_or(DomainError::NotFound { resource: "order" })?;
    Ok(())
}

impl Marketplace {
    /// An order's metafields, for a party to it or an admin.
    pub async fn list_order_metafields(
        &self,
        actor: &Actor,
        id: OrderId,
    ) -> Result<Vec<Metafield>, DomainError> {
        require(actor, "order", "view")?;
        party_to(&self.db.conn, actor, id, false).await?;
        order_metafields(&self.db.conn, id).await
    }

    /// Inserts or replaces an order metafield by namespace and key, for a party to it or an admin.
    pub async fn put_order_metafield(
        &self,
        actor: &Actor,
        id: OrderId,
        namespace: &str,
        key: &str,
        value: serde_json::Value,
    ) -> Result<Metafield, DomainError> {
        require(actor, "order", "update")?;
        let metafield = new_metafield(id.as_uuid(), namespace, key, value, self.clock().now())?;
        let tx = self.db.begin_write().await.map_err(db_error)?;
        party_to(&tx, actor, id, true).await?;
        let stored = upsert_order_metafield(&tx, &metafield).await?;
        tx.commit().await.map_err(db_error)?;
        Ok(stored)
    }
}
