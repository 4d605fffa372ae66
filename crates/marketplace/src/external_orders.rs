//! Recording orders made outside Souk: an integration of a seller (an OAuth client with
//! `order:create`) or an admin syncs an external checkout's order, with its customer, addresses,
//! lines and statuses as given. Nothing is priced from the catalog, no stock is reserved and no
//! money moves through escrow: the payment status is the external system's word.

use sea_orm::ConnectionTrait;
use souk_auth::UserRepository;
use souk_auth::permission::require;
use souk_kernel::{Actor, DomainError, FieldErrors, Role, UserId};
use souk_orders::customer::{CustomerFields, CustomerInput, check_customer};
use souk_orders::external::{ExternalOrderInput, NO_PRODUCT, check_external};
use souk_orders::order::{
    Address, DeliveryStatus, EXTERNAL_BUYER, Fulfillment, Order, OrderId, OrderSource, order_number,
};
use souk_orders::status::{OrderStatus, Party, allowed};
use souk_storage::customers::upsert_checkout_customer;
use souk_storage::external_orders::{ensure_external_buyer, set_creation_party};
use souk_storage::orders::{insert_order, next_order_number};
use souk_storage::products::product_access;
use souk_storage::{SqlUsers, db_error};
use uuid::Uuid;

use crate::Marketplace;
use crate::escrow::context;
use crate::orders::OrderView;

/// An order made elsewhere, to be recorded.
#[derive(Debug, Clone)]
pub struct ExternalOrderRequest {
    /// The seller (admins only; an integration records for its owner).
    pub seller_id: Option<UserId>,
    /// Who bought: becomes (or updates the missing fields of) the seller's customer record.
    pub customer: CustomerInput,
    /// Where it goes; the customer's fields when absent.
    pub shipping_address: Option<Address>,
    /// Where to bill.
    pub billing_address: Option<Address>,
    /// Delivery (default) or pickup.
    pub fulfillment: Option<Fulfillment>,
    /// Lines, amounts and statuses.
    pub order: ExternalOrderInput,
    /// A note.
    pub note: Option<String>,
}

/// The address of an external order without one: the customer's own fields, as far as known.
fn customer_address(c: &CustomerFields) -> Address {
    Address {
        name: c.name.clone().unwrap_or_else(|| c.email.clone()),
        phone: c.phone.clone().unwrap_or_default(),
        line1: c.address.clone().unwrap_or_default(),
        line2: None,
        city: c.city.clone().unwrap_or_default(),
        state: None,
        postal_code: c.postal_code.clone(),
        country: c.country.clone().unwrap_or_default(),
        lat: None,
        lng: None,
    }
}

/// The seller an external order is recorded for, and the recording party's name for the order's
/// history: an admin names the seller; a seller's integration records for its owner; anyone else
/// (a seller signed in directly, a buyer) is refused.
async fn recording_seller<C: ConnectionTrait + Send + Sync>(
    conn: &C,
    actor: &Actor,
    requested: Option<UserId>,
) -> Result<(UserId, &'static str), DomainError> {
    require(actor, "order", "create")?;
    match (actor, actor.role(), requested) {
        (_, Some(Role::Admin), Some(seller)) => {
            let user = SqlUsers::new(conn).find(seller).await?;
            if user.is_none_or(|u| u.role != Role::Seller) {
                return Err(DomainError::invalid("seller_id", "names no seller account"));
            }
            Ok((seller, "admin"))
        }
        (_, Some(Role::Admin), None) => {
            Err(DomainError::invalid("seller_id", "is required when an admin records an order"))
        }
        (Actor::Client { owner, .. }, Some(Role::Seller), requested) => match requested {
            Some(seller) if seller != *owner => {
                Err(DomainError::Forbidden("an integration records orders for its own seller only".into()))
            }
            _ => Ok((*owner, "seller")),
        },
        _ => Err(DomainError::Forbidden(
            "orders made elsewhere are recorded by a seller's integration (an OAuth client with order:create) or an admin"
                .into(),
        )),
    }
}

impl Marketplace {
    /// Records an order made outside Souk for a seller: lines and amounts as given (checked for
    /// exactness), the buyer as the seller's customer (by e-mail), `status` and `payment_status`
    /// as the external system has them, and an `order.created` event. No stock is reserved, no
    /// escrow is held, and it never expires; its buyer is Souk's placeholder account for
    /// external orders.
    pub async fn record_external_order(
        &self,
        actor: &Actor,
        mut request: ExternalOrderRequest,
    ) -> Result<OrderView, DomainError> {
        let mut errors = FieldErrors::new();
        let checked = match check_external(request.order.clone()) {
            Ok(checked) => Some(checked),
            Err(DomainError::Validation(e)) => {
                errors.extend(e);
                None
            }
            Err(other) => return Err(other),
        };
        let customer = match check_customer(request.customer.clone()) {
            Ok(fields) => Some(fields),
            Err(DomainError::Validation(e)) => {
                for (field, messages) in e.iter() {
                    for message in messages {
                        errors.add(format!("customer.{field}"), message.clone());
                    }
                }
                None
            }
            Err(other) => return Err(other),
        };
        if let Some(address) = request.shipping_address.as_mut() {
            address.check("shipping_address", &mut errors);
        }
        if let Some(address) = request.billing_address.as_mut() {
            address.check("billing_address", &mut errors);
        }
        let note = request.note.take().map(|n| n.trim().to_owned()).filter(|n| !n.is_empty());
        if note.as_ref().is_some_and(|n| n.chars().count() > 1000) {
            errors.add("note", "must be at most 1000 characters");
        }
        let tx = self.db.begin_write().await.map_err(db_error)?;
        let (seller, party) = recording_seller(&tx, actor, request.seller_id).await?;
        for (i, line) in request.order.lines.iter().enumerate() {
            if let Some(product) = line.product_id {
                let owned = product != NO_PRODUCT
                    && product_access(&tx, product).await?.is_some_and(|p| p.seller_id == seller);
                if !owned {
                    errors.add(format!("lines[{i}].product_id"), "names no product of this seller");
                }
            }
        }
        errors.into_result()?;
        let (Some(checked), Some(customer)) = (checked, customer) else {
            return Err(DomainError::unexpected("an external order passed its checks without its parts"));
        };
        let now = self.clock().now();
        ensure_external_buyer(&tx, now).await?;
        let customer_id = upsert_checkout_customer(&tx, seller, None, &customer, now).await?;
        let shipping_address = request.shipping_address.unwrap_or_else(|| customer_address(&customer));
        let delivered = matches!(checked.status.as_str(), "delivered" | "customer_confirmed" | "completed");
        let order = Order {
            id: OrderId::new(),
            number: order_number(next_order_number(&tx).await?),
            cart_id: Uuid::now_v7(),
            buyer_id: EXTERNAL_BUYER,
            seller_id: seller,
            customer_id: Some(customer_id.as_uuid()),
            coupon_code: None,
            source: OrderSource::External,
            status: checked.status,
            payment_status: checked.payment_status,
            delivery_status: if delivered { DeliveryStatus::Delivered } else { DeliveryStatus::NotShipped },
            lines: checked.lines,
            totals: checked.totals,
            fulfillment: request.fulfillment.unwrap_or(Fulfillment::Delivery),
            shipping_address,
            billing_address: request.billing_address,
            note,
            is_archived: false,
            trial_ends_at: None,
            release_at: None,
            expires_at: None,
            created_at: now,
            updated_at: now,
        };
        insert_order(&tx, &order, actor.user_id()).await?;
        set_creation_party(&tx, order.id, party).await?;
        crate::outbox::record_order(&tx, "order.created".into(), &order, None, now).await?;
        tx.commit().await.map_err(db_error)?;
        let allowed_transitions = match Party::of(actor, order.buyer_id, order.seller_id) {
            Some(party) => allowed(order.status, &context(&order, party, now))
                .into_iter()
                .filter(|s| {
                    !matches!(s, OrderStatus::ReturnRequested | OrderStatus::Returned | OrderStatus::Disputed)
                })
                .collect(),
            None => Vec::new(),
        };
        Ok(OrderView { order, allowed_transitions })
    }
}
