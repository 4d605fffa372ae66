//! Customers on sea-orm: sellers' customer records, the checkout upsert by e-mail, and the
//! aggregates of their orders computed in SQL (paid order count and totals per currency, newest
//! order).

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, DbBackend, EntityTrait, Order as SqlOrder,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};
use souk_kernel::{Currency, DomainError, Money, Page, PageRequest, SortDirection, UserId};
use souk_orders::customer::{
    Customer, CustomerFields, CustomerId, CustomerStats, LatestOrder, SubscriptionStatus, email_key,
    fill_missing,
};
use uuid::Uuid;

use crate::db::{db_error, for_update};
use crate::entities::{customer, order};

fn corrupt(what: &str) -> DomainError {
    DomainError::unexpected(format!("stored {what} holds an unknown value"))
}

fn duplicate_email(error: sea_orm::DbErr) -> DomainError {
    match db_error(error) {
        DomainError::Conflict(_) => DomainError::Conflict(
            "this seller already has a customer with this e-mail (e-mails ignore case)".into(),
        ),
        other => other,
    }
}

fn to_row(c: &Customer) -> customer::ActiveModel {
    let f = &c.fields;
    customer::ActiveModel {
        id: Set(c.id.as_uuid()),
        seller_id: Set(c.seller_id.as_uuid()),
        user_id: Set(c.user_id.map(|u| u.as_uuid())),
        email: Set(f.email.clone()),
        email_key: Set(email_key(&f.email)),
        name: Set(f.name.clone()),
        phone: Set(f.phone.clone()),
        address: Set(f.address.clone()),
        city: Set(f.city.clone()),
        postal_code: Set(f.postal_code.clone()),
        country: Set(f.country.clone()),
        subscription_status: Set(f.subscription_status.as_str().to_owned()),
        created_at: Set(c.created_at),
        updated_at: Set(c.updated_at),
    }
}

fn to_domain(row: customer::Model) -> Result<Customer, DomainError> {
    Ok(Customer {
        id: CustomerId(row.id),
        seller_id: UserId(row.seller_id),
        user_id: row.user_id.map(UserId),
        fields: CustomerFields {
            email: row.email,
            name: row.name,
            phone: row.phone,
            address: row.address,
            city: row.city,
            postal_code: row.postal_code,
            country: row.country,
            subscription_status: row
                .subscription_status
                .parse::<SubscriptionStatus>()
                .map_err(|_| corrupt("customers.subscription_status"))?,
        },
        created_at: row.created_at,
        updated_at: row.updated_at,
    })
}

/// Stores a new customer; an e-mail the seller already has is a `Conflict`.
pub async fn insert_customer(conn: &impl ConnectionTrait, c: &Customer) -> Result<(), DomainError> {
    customer::Entity::insert(to_row(c))
        .exec_without_returning(conn)
        .await
        .map_err(duplicate_email)
        .map(|_| ())
}

/// Saves a customer's fields; an e-mail another of the seller's customers has is a `Conflict`.
pub async fn update_customer(conn: &impl ConnectionTrait, c: &Customer) -> Result<(), DomainError> {
    customer::Entity::update(to_row(c)).exec(conn).await.map_err(duplicate_email).map(|_| ())
}

/// One customer; `lock` holds its row for the transaction on PostgreSQL.
pub async fn find_customer(
    conn: &impl ConnectionTrait,
    id: CustomerId,
    lock: bool,
) -> Result<Option<Customer>, DomainError> {
    let query = customer::Entity::find_by_id(id.as_uuid());
    let query = if lock { for_update(query, conn) } else { query };
    query.one(conn).await.map_err(db_error)?.map(to_domain).transpose()
}

/// The seller's customer for a buyer at checkout (or of an order recorded from outside, with no
/// account): made from `fields` when the seller has none with that e-mail (`INSERT ... ON
/// CONFLICT DO NOTHING`, so concurrent checkouts of one buyer share one record), otherwise the
/// existing one with its missing fields and account filled in.
pub async fn upsert_checkout_customer(
    conn: &impl ConnectionTrait,
    seller: UserId,
    user: Option<UserId>,
    fields: &CustomerFields,
    now: DateTime<Utc>,
) -> Result<CustomerId, DomainError> {
    let fresh = Customer {
        id: CustomerId::new(),
        seller_id: seller,
        user_id: user,
        fields: fields.clone(),
        created_at: now,
        updated_at: now,
    };
    let conflict =
        OnConflict::columns([customer::Column::SellerId, customer::Column::EmailKey]).do_nothing().to_owned();
    customer::Entity::insert(to_row(&fresh))
        .on_conflict(conflict)
        .exec_without_returning(conn)
        .await
        .map_err(db_error)?;
    let row = for_update(
        customer::Entity::find()
            .filter(customer::Column::SellerId.eq(seller.as_uuid()))
            .filter(customer::Column::EmailKey.eq(email_key(&fields.email))),
        conn,
    )
    .one(conn)
    .await
    .map_err(db_error)?
    .ok_or_else(|| DomainError::unexpected("a customer vanished after its upsert"))?;
    let mut stored = to_domain(row)?;
    if stored.id == fresh.id {
        return Ok(stored.id);
    }
    let mut changed = fill_missing(&mut stored.fields, fields);
    if stored.user_id.is_none() && user.is_some() {
        stored.user_id = user;
        changed = true;
    }
    if changed {
        stored.updated_at = now;
        update_customer(conn, &stored).await?;
    }
    Ok(stored.id)
}

/// How a customer list is ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CustomerSort {
    /// Newest first unless the direction says otherwise.
    #[default]
    CreatedAt,
    /// By name.
    Name,
    /// By e-mail.
    Email,
    /// By city.
    City,
    /// By postal code.
    PostalCode,
    /// By consent.
    SubscriptionStatus,
    /// By paid orders.
    OrderCount,
}

impl CustomerSort {
    /// The `order_by` names clients may use.
    pub const NAMES: [&'static str; 7] =
        ["created_at", "name", "email", "city", "postal_code", "subscription_status", "order_count"];
}

impl std::str::FromStr for CustomerSort {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s {
            "created_at" => CustomerSort::CreatedAt,
            "name" => CustomerSort::Name,
            "email" => CustomerSort::Email,
            "city" => CustomerSort::City,
            "postal_code" => CustomerSort::PostalCode,
            "subscription_status" => CustomerSort::SubscriptionStatus,
            "order_count" => CustomerSort::OrderCount,
            _ => return Err(format!("must be one of: {}", CustomerSort::NAMES.join(", "))),
        })
    }
}

/// Filters of the customer list.
#[derive(Debug, Clone, Default)]
pub struct CustomerFilter {
    /// Customers of any of these sellers.
    pub seller_ids: Vec<UserId>,
    /// Text in the name, e-mail, phone, address, city or postal code (any case).
    pub search: Option<String>,
    /// In this country.
    pub country: Option<String>,
    /// With this consent.
    pub subscription_status: Option<SubscriptionStatus>,
    /// Sort key.
    pub sort: CustomerSort,
    /// Sort direction.
    pub direction: SortDirection,
}

/// The condition that makes an order count as paid for the aggregates.
const PAID: &str = "(orders.payment_status IN ('paid', 'partially_refunded') OR orders.status = 'completed')";

/// A page of customers, of one seller when `seller` is given, filtered and ordered.
pub async fn list_customers(
    conn: &impl ConnectionTrait,
    seller: Option<UserId>,
    filter: &CustomerFilter,
    page: PageRequest,
) -> Result<Page<Customer>, DomainError> {
    let mut all = Condition::all();
    if let Some(seller) = seller {
        all = all.add(customer::Column::SellerId.eq(seller.as_uuid()));
    }
    if !filter.seller_ids.is_empty() {
        all = all.add(customer::Column::SellerId.is_in(filter.seller_ids.iter().map(|s| s.as_uuid())));
    }
    if let Some(country) = &filter.country {
        all = all.add(customer::Column::Country.eq(country.to_ascii_uppercase()));
    }
    if let Some(status) = filter.subscription_status {
        all = all.add(customer::Column::SubscriptionStatus.eq(status.as_str()));
    }
    if let Some(text) = &filter.search {
        let pattern = format!(
            "%{}%",
            text.to_lowercase().replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")
        );
        let mut any = Condition::any();
        for column in ["email_key", "name", "phone", "address", "city", "postal_code"] {
            let placeholder = match conn.get_database_backend() {
                DbBackend::Postgres => "$1",
                _ => "?",
            };
            any = any.add(Expr::cust_with_values(
                format!("lower(customers.{column}) LIKE {placeholder} ESCAPE '\\'"),
                [pattern.clone()],
            ));
        }
        all = all.add(any);
    }
    let direction = match filter.direction {
        SortDirection::Asc => SqlOrder::Asc,
        SortDirection::Desc => SqlOrder::Desc,
    };
    let select = customer::Entity::find().filter(all);
    let select = match filter.sort {
        CustomerSort::CreatedAt => select.order_by(customer::Column::CreatedAt, direction.clone()),
        CustomerSort::Name => select.order_by(customer::Column::Name, direction.clone()),
        CustomerSort::Email => select.order_by(customer::Column::EmailKey, direction.clone()),
        CustomerSort::City => select.order_by(customer::Column::City, direction.clone()),
        CustomerSort::PostalCode => select.order_by(customer::Column::PostalCode, direction.clone()),
        CustomerSort::SubscriptionStatus => {
            select.order_by(customer::Column::SubscriptionStatus, direction.clone())
        }
        CustomerSort::OrderCount => select.order_by(
            Expr::cust(format!(
                "(SELECT COUNT(*) FROM orders WHERE orders.customer_id = customers.id AND {PAID})"
            )),
            direction.clone(),
        ),
    };
    let select = select.order_by(customer::Column::Id, direction);
    let total = select.clone().count(conn).await.map_err(db_error)?;
    let rows =
        select.offset(page.offset()).limit(u64::from(page.per_page())).all(conn).await.map_err(db_error)?;
    let items = rows.into_iter().map(to_domain).collect::<Result<_, _>>()?;
    Ok(Page { items, total, request: page })
}

/// The aggregates of each of these customers, computed in SQL: paid orders counted and summed
/// per currency, and the newest order in any state.
pub async fn customer_stats(
    conn: &impl ConnectionTrait,
    ids: &[CustomerId],
) -> Result<HashMap<CustomerId, CustomerStats>, DomainError> {
    let mut stats: HashMap<CustomerId, CustomerStats> = HashMap::new();
    if ids.is_empty() {
        return Ok(stats);
    }
    let uuids: Vec<Uuid> = ids.iter().map(|id| id.as_uuid()).collect();
    let sums: Vec<(Uuid, String, i64, i64)> = order::Entity::find()
        .select_only()
        .column(order::Column::CustomerId)
        .column(order::Column::Currency)
        .column_as(Expr::cust("COUNT(*)"), "orders")
        .column_as(Expr::cust("CAST(SUM(orders.total) AS BIGINT)"), "spent")
        .filter(order::Column::CustomerId.is_in(uuids.clone()))
        .filter(Expr::cust(PAID))
        .group_by(order::Column::CustomerId)
        .group_by(order::Column::Currency)
        .order_by_asc(order::Column::Currency)
        .into_tuple()
        .all(conn)
        .await
        .map_err(db_error)?;
    for (customer, currency, count, spent) in sums {
        let currency = Currency::from_code(&currency).map_err(|_| corrupt("orders.currency"))?;
        let entry = stats.entry(CustomerId(customer)).or_default();
        entry.order_count += count;
        entry.amount_spent.push(Money::from_minor(spent, currency));
    }
    let latest: Vec<(Uuid, String, DateTime<Utc>, Uuid)> = order::Entity::find()
        .select_only()
        .column(order::Column::Id)
        .column(order::Column::Number)
        .column(order::Column::CreatedAt)
        .column(order::Column::CustomerId)
        .filter(order::Column::CustomerId.is_in(uuids))
        .filter(Expr::cust(
            "orders.created_at = (SELECT MAX(o2.created_at) FROM orders o2 WHERE o2.customer_id = orders.customer_id)",
        ))
        .order_by_asc(order::Column::Id)
        .into_tuple()
        .all(conn)
        .await
        .map_err(db_error)?;
    for (id, number, created_at, customer) in latest {
        stats.entry(CustomerId(customer)).or_default().latest_order =
            Some(LatestOrder { id, number, created_at });
    }
    Ok(stats)
}
