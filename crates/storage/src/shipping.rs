//! Shipping carriers, shipping rates, deliveries with their lines, and tracking events on sea-orm.

use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, EntityTrait, Order as SqlOrder, QueryFilter,
    QueryOrder,
};
use souk_fulfillment::delivery::{Delivery, DeliveryLine, TrackingEvent};
use souk_fulfillment::shipping::{Carrier, CarrierStatus, ShippingRate};
use souk_kernel::{Currency, DomainError, Money, Page, PageRequest, UserId};
use uuid::Uuid;

use crate::db::{db_error, for_update, page_of};
use crate::entities::{delivery, delivery_line, shipping_carrier, shipping_rate, tracking_event};

fn corrupt(what: &str) -> DomainError {
    DomainError::unexpected(format!("stored {what} holds an unknown value"))
}

fn to_carrier(row: shipping_carrier::Model) -> Result<Carrier, DomainError> {
    Ok(Carrier {
        id: row.id,
        name: row.name,
        code: row.code,
        status: row.status.parse().map_err(|_| corrupt("shipping_carriers.status"))?,
        tracking_url_template: row.tracking_url_template,
        created_at: row.created_at,
        updated_at: row.updated_at,
    })
}

fn carrier_row(c: &Carrier) -> shipping_carrier::ActiveModel {
    shipping_carrier::ActiveModel {
        id: Set(c.id),
        name: Set(c.name.clone()),
        code: Set(c.code.clone()),
        status: Set(c.status.as_str().to_owned()),
        tracking_url_template: Set(c.tracking_url_template.clone()),
        created_at: Set(c.created_at),
        updated_at: Set(c.updated_at),
    }
}

/// Stores a new carrier (`Conflict` when its code is taken).
pub async fn insert_carrier(conn: &impl ConnectionTrait, c: &Carrier) -> Result<(), DomainError> {
    shipping_carrier::Entity::insert(carrier_row(c)).exec_without_returning(conn).await.map_err(db_error)?;
    Ok(())
}

/// Saves a changed carrier (`Conflict` when its new code is taken).
pub async fn update_carrier(conn: &impl ConnectionTrait, c: &Carrier) -> Result<(), DomainError> {
    shipping_carrier::Entity::update(carrier_row(c)).exec(conn).await.map_err(db_error)?;
    Ok(())
}

/// One carrier.
pub async fn find_carrier(conn: &impl ConnectionTrait, id: Uuid) -> Result<Option<Carrier>, DomainError> {
    shipping_carrier::Entity::find_by_id(id).one(conn).await.map_err(db_error)?.map(to_carrier).transpose()
}

/// Carriers by name; `active_only` keeps the active ones.
pub async fn list_carriers(
    conn: &impl ConnectionTrait,
    active_only: bool,
    page: PageRequest,
) -> Result<Page<Carrier>, DomainError> {
    let mut query = shipping_carrier::Entity::find()
        .order_by(shipping_carrier::Column::Name, SqlOrder::Asc)
        .order_by(shipping_carrier::Column::Id, SqlOrder::Asc);
    if active_only {
        query = query.filter(shipping_carrier::Column::Status.eq(CarrierStatus::Active.as_str()));
    }
    page_of(conn, query, page, to_carrier).await
}

fn to_rate(row: shipping_rate::Model) -> Result<ShippingRate, DomainError> {
    let currency = Currency::from_code(&row.currency).map_err(|_| corrupt("shipping_rates.currency"))?;
    Ok(ShippingRate {
        id: row.id,
        title: row.title,
        price: Money::from_minor(row.price, currency),
        step_price: Money::from_minor(row.step_price, currency),
        always_selected: row.always_selected,
        seller_id: row.seller_id.map(UserId),
        created_at: row.created_at,
        updated_at: row.updated_at,
    })
}

fn rate_row(r: &ShippingRate) -> shipping_rate::ActiveModel {
    shipping_rate::ActiveModel {
        id: Set(r.id),
        title: Set(r.title.clone()),
        currency: Set(r.currency().code().to_owned()),
        price: Set(r.price.minor()),
        step_price: Set(r.step_price.minor()),
        always_selected: Set(r.always_selected),
        seller_id: Set(r.seller_id.map(|s| s.as_uuid())),
        created_at: Set(r.created_at),
        updated_at: Set(r.updated_at),
    }
}

/// Stores a new rate.
pub async fn insert_rate(conn: &impl ConnectionTrait, r: &ShippingRate) -> Result<(), DomainError> {
    shipping_rate::Entity::insert(rate_row(r)).exec_without_returning(conn).await.map_err(db_error)?;
    Ok(())
}

/// Saves a changed rate.
pub async fn update_rate(conn: &impl ConnectionTrait, r: &ShippingRate) -> Result<(), DomainError> {
    shipping_rate::Entity::update(rate_row(r)).exec(conn).await.map_err(db_error)?;
    Ok(())
}

/// Deletes a rate (orders keep the shipping they were charged).
pub async fn delete_rate(conn: &impl ConnectionTrait, id: Uuid) -> Result<(), DomainError> {
    shipping_rate::Entity::delete_by_id(id).exec(conn).await.map_err(db_error)?;
    Ok(())
}

/// One rate.
pub async fn find_rate(conn: &impl ConnectionTrait, id: Uuid) -> Result<Option<ShippingRate>, DomainError> {
    shipping_rate::Entity::find_by_id(id).one(conn).await.map_err(db_error)?.map(to_rate).transpose()
}

/// Which rates a list shows.
#[derive(Debug, Clone, Default)]
pub struct RateFilter {
    /// Rates of this seller (with `include_platform`, platform-wide ones as well).
    pub seller_id: Option<UserId>,
    /// Only platform-wide rates.
    pub platform_only: bool,
    /// With `seller_id`: platform-wide rates too (the rates a seller's buyer can choose).
    pub include_platform: bool,
    /// Only rates in this currency.
    pub currency: Option<Currency>,
}

/// Rates, oldest first.
pub async fn list_rates(
    conn: &impl ConnectionTrait,
    filter: &RateFilter,
    page: PageRequest,
) -> Result<Page<ShippingRate>, DomainError> {
    let mut query = shipping_rate::Entity::find()
        .order_by(shipping_rate::Column::CreatedAt, SqlOrder::Asc)
        .order_by(shipping_rate::Column::Id, SqlOrder::Asc);
    if filter.platform_only {
        query = query.filter(shipping_rate::Column::SellerId.is_null());
    } else if let Some(seller) = filter.seller_id {
        let mut scope = Condition::any().add(shipping_rate::Column::SellerId.eq(seller.as_uuid()));
        if filter.include_platform {
            scope = scope.add(shipping_rate::Column::SellerId.is_null());
        }
        query = query.filter(scope);
    }
    if let Some(currency) = filter.currency {
        query = query.filter(shipping_rate::Column::Currency.eq(currency.code()));
    }
    page_of(conn, query, page, to_rate).await
}

/// The always-selected rates of the given sellers.
pub async fn always_selected_rates(
    conn: &impl ConnectionTrait,
    sellers: &[UserId],
) -> Result<Vec<ShippingRate>, DomainError> {
    if sellers.is_empty() {
        return Ok(Vec::new());
    }
    shipping_rate::Entity::find()
        .filter(shipping_rate::Column::AlwaysSelected.eq(true))
        .filter(shipping_rate::Column::SellerId.is_in(sellers.iter().map(|s| s.as_uuid())))
        .order_by(shipping_rate::Column::CreatedAt, SqlOrder::Asc)
        .all(conn)
        .await
        .map_err(db_error)?
        .into_iter()
        .map(to_rate)
        .collect()
}

fn to_delivery(row: delivery::Model, lines: Vec<DeliveryLine>) -> Result<Delivery, DomainError> {
    Ok(Delivery {
        id: row.id,
        order_id: row.order_id,
        seller_id: UserId(row.seller_id),
        status: row.status.parse().map_err(|_| corrupt("deliveries.status"))?,
        shipping_carrier_id: row.shipping_carrier_id,
        tracking_number: row.tracking_number,
        lines,
        shipped_at: row.shipped_at,
        delivered_at: row.delivered_at,
        created_at: row.created_at,
        updated_at: row.updated_at,
    })
}

fn delivery_row(d: &Delivery) -> delivery::ActiveModel {
    delivery::ActiveModel {
        id: Set(d.id),
        order_id: Set(d.order_id),
        seller_id: Set(d.seller_id.as_uuid()),
        status: Set(d.status.as_str().to_owned()),
        shipping_carrier_id: Set(d.shipping_carrier_id),
        tracking_number: Set(d.tracking_number.clone()),
        shipped_at: Set(d.shipped_at),
        delivered_at: Set(d.delivered_at),
        created_at: Set(d.created_at),
        updated_at: Set(d.updated_at),
    }
}

/// Stores a new delivery with its lines.
pub async fn insert_delivery(conn: &impl ConnectionTrait, d: &Delivery) -> Result<(), DomainError> {
    delivery::Entity::insert(delivery_row(d)).exec_without_returning(conn).await.map_err(db_error)?;
    let lines = d.lines.iter().map(|l| delivery_line::ActiveModel {
        delivery_id: Set(d.id),
        line_id: Set(l.line_id),
        quantity: Set(l.quantity),
    });
    delivery_line::Entity::insert_many(lines).exec_without_returning(conn).await.map_err(db_error)?;
    Ok(())
}

/// Saves a delivery's status and tracking details (its lines never change).
pub async fn update_delivery(conn: &impl ConnectionTrait, d: &Delivery) -> Result<(), DomainError> {
    delivery::Entity::update(delivery_row(d)).exec(conn).await.map_err(db_error)?;
    Ok(())
}

/// One delivery with its lines.
pub async fn find_delivery(conn: &impl ConnectionTrait, id: Uuid) -> Result<Option<Delivery>, DomainError> {
    let Some(row) = delivery::Entity::find_by_id(id).one(conn).await.map_err(db_error)? else {
        return Ok(None);
    };
    let lines = lines_of(conn, &[id]).await?;
    to_delivery(row, lines.into_iter().map(|(_, l)| l).collect()).map(Some)
}

async fn lines_of(
    conn: &impl ConnectionTrait,
    deliveries: &[Uuid],
) -> Result<Vec<(Uuid, DeliveryLine)>, DomainError> {
    Ok(delivery_line::Entity::find()
        .filter(delivery_line::Column::DeliveryId.is_in(deliveries.iter().copied()))
        .all(conn)
        .await
        .map_err(db_error)?
        .into_iter()
        .map(|r| (r.delivery_id, DeliveryLine { line_id: r.line_id, quantity: r.quantity }))
        .collect())
}

/// An order's deliveries, oldest first, each with its lines; `lock` takes their rows for update
/// on PostgreSQL.
pub async fn order_deliveries(
    conn: &impl ConnectionTrait,
    order_id: Uuid,
    lock: bool,
) -> Result<Vec<Delivery>, DomainError> {
    let mut query = delivery::Entity::find()
        .filter(delivery::Column::OrderId.eq(order_id))
        .order_by(delivery::Column::CreatedAt, SqlOrder::Asc)
        .order_by(delivery::Column::Id, SqlOrder::Asc);
    if lock {
        query = for_update(query, conn);
    }
    let rows = query.all(conn).await.map_err(db_error)?;
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    let mut lines = lines_of(conn, &ids).await?;
    rows.into_iter()
        .map(|row| {
            let mine = lines.iter().filter(|(id, _)| *id == row.id).map(|(_, l)| *l).collect();
            lines.retain(|(id, _)| *id != row.id);
            to_delivery(row, mine)
        })
        .collect()
}

/// Stores a tracking event.
pub async fn insert_tracking(conn: &impl ConnectionTrait, t: &TrackingEvent) -> Result<(), DomainError> {
    let row = tracking_event::ActiveModel {
        id: Set(t.id),
        order_id: Set(t.order_id),
        status: Set(t.status.as_str().to_owned()),
        description: Set(t.description.clone()),
        location: Set(t.location.clone()),
        occurred_at: Set(t.occurred_at),
        created_at: Set(t.created_at),
    };
    tracking_event::Entity::insert(row).exec_without_returning(conn).await.map_err(db_error)?;
    Ok(())
}

/// An order's tracking events, in the order they happened.
pub async fn order_tracking(
    conn: &impl ConnectionTrait,
    order_id: Uuid,
) -> Result<Vec<TrackingEvent>, DomainError> {
    tracking_event::Entity::find()
        .filter(tracking_event::Column::OrderId.eq(order_id))
        .order_by(tracking_event::Column::OccurredAt, SqlOrder::Asc)
        .order_by(tracking_event::Column::Id, SqlOrder::Asc)
        .all(conn)
        .await
        .map_err(db_error)?
        .into_iter()
        .map(|row| {
            Ok(TrackingEvent {
                id: row.id,
                order_id: row.order_id,
                status: row.status.parse().map_err(|_| corrupt("tracking_events.status"))?,
                description: row.description,
                location: row.location,
                occurred_at: row.occurred_at,
                created_at: row.created_at,
            })
        })
        .collect()
}
