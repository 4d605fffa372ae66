//! Coupons on sea-orm: coupons with their product scope, lookup by code among sellers, the
//! conditional update that claims a redemption (never more than `max_redemptions`, however many
//! checkouts race), and the redemption rows behind per-customer and per-uid limits.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, EntityTrait, Order as SqlOrder,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};
use souk_kernel::{Currency, DomainError, Money, Page, PageRequest, SortDirection, UserId};
use souk_orders::coupon::{Coupon, CouponId, CouponKind, CouponTerms, Discount, code_key};
use souk_orders::order::OrderId;
use uuid::Uuid;

use crate::db::{db_error, for_update};
use crate::entities::{coupon, coupon_product, coupon_redemption};

fn corrupt(what: &str) -> DomainError {
    DomainError::unexpected(format!("stored {what} holds an unknown value"))
}

fn duplicate_code(error: sea_orm::DbErr) -> DomainError {
    match db_error(error) {
        DomainError::Conflict(_) => DomainError::Conflict(
            "this seller already has a coupon with this code (codes ignore case)".into(),
        ),
        other => other,
    }
}

fn to_row(c: &Coupon) -> coupon::ActiveModel {
    let t = &c.terms;
    coupon::ActiveModel {
        id: Set(c.id.as_uuid()),
        seller_id: Set(c.seller_id.as_uuid()),
        code: Set(t.code.clone()),
        code_key: Set(code_key(&t.code)),
        kind: Set(t.discount.kind().as_str().to_owned()),
        value: Set(t.discount.stored_value()),
        currency: Set(t.currency.map(|c| c.code().to_owned())),
        starts_at: Set(t.starts_at),
        ends_at: Set(t.ends_at),
        max_redemptions: Set(t.max_redemptions),
        per_customer_limit: Set(t.per_customer_limit),
        min_subtotal: Set(t.min_subtotal.map(|m| m.minor())),
        redemptions: Set(c.redemptions),
        created_at: Set(c.created_at),
        updated_at: Set(c.updated_at),
    }
}

fn to_domain(row: coupon::Model, product_ids: Vec<Uuid>) -> Result<Coupon, DomainError> {
    let currency = row
        .currency
        .as_deref()
        .map(Currency::from_code)
        .transpose()
        .map_err(|_| corrupt("coupons.currency"))?;
    let kind: CouponKind = row.kind.parse().map_err(|_| corrupt("coupons.kind"))?;
    let discount = match (kind, currency) {
        (CouponKind::Percentage, _) => Discount::Percentage(row.value),
        (CouponKind::Fixed, Some(currency)) => Discount::Fixed(Money::from_minor(row.value, currency)),
        (CouponKind::Fixed, None) => return Err(corrupt("coupons.currency")),
    };
    let min_subtotal = match (row.min_subtotal, currency) {
        (Some(min), Some(currency)) => Some(Money::from_minor(min, currency)),
        (Some(_), None) => return Err(corrupt("coupons.min_subtotal")),
        (None, _) => None,
    };
    Ok(Coupon {
        id: CouponId(row.id),
        seller_id: UserId(row.seller_id),
        terms: CouponTerms {
            code: row.code,
            discount,
            currency,
            starts_at: row.starts_at,
            ends_at: row.ends_at,
            max_redemptions: row.max_redemptions,
            per_customer_limit: row.per_customer_limit,
            min_subtotal,
            product_ids,
        },
        redemptions: row.redemptions,
        created_at: row.created_at,
        updated_at: row.updated_at,
    })
}

async fn with_products(
    conn: &impl ConnectionTrait,
    rows: Vec<coupon::Model>,
) -> Result<Vec<Coupon>, DomainError> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    let mut products: HashMap<Uuid, Vec<Uuid>> = HashMap::new();
    for link in coupon_product::Entity::find()
        .filter(coupon_product::Column::CouponId.is_in(ids))
        .order_by_asc(coupon_product::Column::ProductId)
        .all(conn)
        .await
        .map_err(db_error)?
    {
        products.entry(link.coupon_id).or_default().push(link.product_id);
    }
    rows.into_iter()
        .map(|row| {
            let own = products.remove(&row.id).unwrap_or_default();
            to_domain(row, own)
        })
        .collect()
}

async fn save_products(conn: &impl ConnectionTrait, c: &Coupon) -> Result<(), DomainError> {
    coupon_product::Entity::delete_many()
        .filter(coupon_product::Column::CouponId.eq(c.id.as_uuid()))
        .exec(conn)
        .await
        .map_err(db_error)?;
    if c.terms.product_ids.is_empty() {
        return Ok(());
    }
    let links = c.terms.product_ids.iter().map(|product| coupon_product::ActiveModel {
        coupon_id: Set(c.id.as_uuid()),
        product_id: Set(*product),
    });
    coupon_product::Entity::insert_many(links)
        .exec_without_returning(conn)
        .await
        .map_err(db_error)
        .map(|_| ())
}

/// Stores a new coupon with its product scope; a code the seller already uses is a `Conflict`.
pub async fn insert_coupon(conn: &impl ConnectionTrait, c: &Coupon) -> Result<(), DomainError> {
    coupon::Entity::insert(to_row(c)).exec_without_returning(conn).await.map_err(duplicate_code)?;
    save_products(conn, c).await
}

/// Replaces a coupon's terms and product scope (the redemption count is left to the database).
pub async fn update_coupon(conn: &impl ConnectionTrait, c: &Coupon) -> Result<(), DomainError> {
    let mut row = to_row(c);
    row.redemptions = sea_orm::ActiveValue::NotSet;
    coupon::Entity::update(row).exec(conn).await.map_err(duplicate_code)?;
    save_products(conn, c).await
}

/// Deletes a coupon with its scope and redemptions (orders keep the code they were sold with).
pub async fn delete_coupon(conn: &impl ConnectionTrait, id: CouponId) -> Result<(), DomainError> {
    coupon::Entity::delete_by_id(id.as_uuid()).exec(conn).await.map_err(db_error).map(|_| ())
}

/// One coupon; `lock` holds its row for the transaction on PostgreSQL.
pub async fn find_coupon(
    conn: &impl ConnectionTrait,
    id: CouponId,
    lock: bool,
) -> Result<Option<Coupon>, DomainError> {
    let query = coupon::Entity::find_by_id(id.as_uuid());
    let query = if lock { for_update(query, conn) } else { query };
    let rows: Vec<coupon::Model> = query.one(conn).await.map_err(db_error)?.into_iter().collect();
    Ok(with_products(conn, rows).await?.pop())
}

/// The coupons of these sellers with this code (ignoring case), oldest first; `lock` holds their
/// rows on PostgreSQL so per-customer counts cannot race.
pub async fn find_coupons_by_code(
    conn: &impl ConnectionTrait,
    code: &str,
    sellers: &[UserId],
    lock: bool,
) -> Result<Vec<Coupon>, DomainError> {
    if sellers.is_empty() {
        return Ok(Vec::new());
    }
    let query = coupon::Entity::find()
        .filter(coupon::Column::CodeKey.eq(code_key(code)))
        .filter(coupon::Column::SellerId.is_in(sellers.iter().map(|s| s.as_uuid())))
        .order_by_asc(coupon::Column::SellerId);
    let query = if lock { for_update(query, conn) } else { query };
    let rows = query.all(conn).await.map_err(db_error)?;
    with_products(conn, rows).await
}

/// How a coupon list is ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CouponSort {
    /// Newest first unless the direction says otherwise.
    #[default]
    CreatedAt,
    /// By code (as stored, case-insensitively).
    Code,
    /// By uses so far.
    Redemptions,
    /// By end of validity.
    EndsAt,
}

impl CouponSort {
    /// The `order_by` names clients may use.
    pub const NAMES: [&'static str; 4] = ["created_at", "code", "redemptions", "ends_at"];
}

impl std::str::FromStr for CouponSort {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "created_at" => Ok(CouponSort::CreatedAt),
            "code" => Ok(CouponSort::Code),
            "redemptions" => Ok(CouponSort::Redemptions),
            "ends_at" => Ok(CouponSort::EndsAt),
            _ => Err(format!("must be one of: {}", CouponSort::NAMES.join(", "))),
        }
    }
}

/// Filters of the coupon list.
#[derive(Debug, Clone, Default)]
pub struct CouponFilter {
    /// Coupons of any of these sellers.
    pub seller_ids: Vec<UserId>,
    /// Of this kind.
    pub kind: Option<CouponKind>,
    /// Codes containing this text (any case).
    pub search: Option<String>,
    /// Usable at `now` (inside the window and not used up), or the others.
    pub active_at: Option<(DateTime<Utc>, bool)>,
    /// Sort key.
    pub sort: CouponSort,
    /// Sort direction.
    pub direction: SortDirection,
}

fn active_condition(now: DateTime<Utc>) -> Condition {
    Condition::all()
        .add(Condition::any().add(coupon::Column::StartsAt.is_null()).add(coupon::Column::StartsAt.lte(now)))
        .add(Condition::any().add(coupon::Column::EndsAt.is_null()).add(coupon::Column::EndsAt.gt(now)))
        .add(
            Condition::any()
                .add(coupon::Column::MaxRedemptions.is_null())
                .add(Expr::col(coupon::Column::Redemptions).lt(Expr::col(coupon::Column::MaxRedemptions))),
        )
}

/// A page of coupons, of one seller when `seller` is given, filtered and ordered.
pub async fn list_coupons(
    conn: &impl ConnectionTrait,
    seller: Option<UserId>,
    filter: &CouponFilter,
    page: PageRequest,
) -> Result<Page<Coupon>, DomainError> {
    let mut all = Condition::all();
    if let Some(seller) = seller {
        all = all.add(coupon::Column::SellerId.eq(seller.as_uuid()));
    }
    if !filter.seller_ids.is_empty() {
        all = all.add(coupon::Column::SellerId.is_in(filter.seller_ids.iter().map(|s| s.as_uuid())));
    }
    if let Some(kind) = filter.kind {
        all = all.add(coupon::Column::Kind.eq(kind.as_str()));
    }
    if let Some(text) = &filter.search {
        all = all.add(coupon::Column::CodeKey.contains(text.to_lowercase()));
    }
    if let Some((now, active)) = filter.active_at {
        let condition = active_condition(now);
        all = all.add(if active { condition } else { condition.not() });
    }
    let direction = match filter.direction {
        SortDirection::Asc => SqlOrder::Asc,
        SortDirection::Desc => SqlOrder::Desc,
    };
    let column = match filter.sort {
        CouponSort::CreatedAt => coupon::Column::CreatedAt,
        CouponSort::Code => coupon::Column::CodeKey,
        CouponSort::Redemptions => coupon::Column::Redemptions,
        CouponSort::EndsAt => coupon::Column::EndsAt,
    };
    let select = coupon::Entity::find()
        .filter(all)
        .order_by(column, direction.clone())
        .order_by(coupon::Column::Id, direction);
    let total = select.clone().count(conn).await.map_err(db_error)?;
    let rows =
        select.offset(page.offset()).limit(u64::from(page.per_page())).all(conn).await.map_err(db_error)?;
    Ok(Page { items: with_products(conn, rows).await?, total, request: page })
}

/// Counts one use of the coupon if it has uses left: a single conditional update, so however
/// many transactions race, no more than `max_redemptions` ever succeed. False when used up.
pub async fn claim_redemption(conn: &impl ConnectionTrait, id: CouponId) -> Result<bool, DomainError> {
    let result = coupon::Entity::update_many()
        .col_expr(coupon::Column::Redemptions, Expr::col(coupon::Column::Redemptions).add(1))
        .filter(coupon::Column::Id.eq(id.as_uuid()))
        .filter(
            Condition::any()
                .add(coupon::Column::MaxRedemptions.is_null())
                .add(Expr::col(coupon::Column::Redemptions).lt(Expr::col(coupon::Column::MaxRedemptions))),
        )
        .exec(conn)
        .await
        .map_err(db_error)?;
    Ok(result.rows_affected == 1)
}

/// One recorded use of a coupon.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redemption {
    /// Id.
    pub id: Uuid,
    /// The coupon.
    pub coupon_id: CouponId,
    /// The order it discounted (checkout uses).
    pub order_id: Option<OrderId>,
    /// The buyer of that order.
    pub buyer_id: Option<UserId>,
    /// The in-store customer's uid (in-store uses).
    pub uid: Option<String>,
    /// When.
    pub created_at: DateTime<Utc>,
}

/// Records a use; a second in-store use for the same uid is a `Conflict`.
pub async fn insert_redemption(conn: &impl ConnectionTrait, r: &Redemption) -> Result<(), DomainError> {
    let row = coupon_redemption::ActiveModel {
        id: Set(r.id),
        coupon_id: Set(r.coupon_id.as_uuid()),
        order_id: Set(r.order_id.map(|o| o.as_uuid())),
        buyer_id: Set(r.buyer_id.map(|b| b.as_uuid())),
        uid: Set(r.uid.clone()),
        created_at: Set(r.created_at),
    };
    coupon_redemption::Entity::insert(row).exec_without_returning(conn).await.map_err(
        |error| match db_error(error) {
            DomainError::Conflict(_) => {
                DomainError::Conflict("the coupon has already been redeemed for this uid".into())
            }
            other => other,
        },
    )?;
    Ok(())
}

/// How often a buyer has used the coupon in orders.
pub async fn buyer_redemptions(
    conn: &impl ConnectionTrait,
    id: CouponId,
    buyer: UserId,
) -> Result<i64, DomainError> {
    let count = coupon_redemption::Entity::find()
        .filter(coupon_redemption::Column::CouponId.eq(id.as_uuid()))
        .filter(coupon_redemption::Column::BuyerId.eq(buyer.as_uuid()))
        .count(conn)
        .await
        .map_err(db_error)?;
    Ok(i64::try_from(count).unwrap_or(i64::MAX))
}

/// Whether the coupon was already redeemed in store for this uid.
pub async fn uid_redeemed(conn: &impl ConnectionTrait, id: CouponId, uid: &str) -> Result<bool, DomainError> {
    let count = coupon_redemption::Entity::find()
        .filter(coupon_redemption::Column::CouponId.eq(id.as_uuid()))
        .filter(coupon_redemption::Column::Uid.eq(uid))
        .count(conn)
        .await
        .map_err(db_error)?;
    Ok(count > 0)
}

/// Gives back the coupon use of an order that will never be paid (canceled, expired or deleted
/// while unpaid): its redemption row goes and the coupon's count drops by one.
pub async fn release_order_redemptions(
    conn: &impl ConnectionTrait,
    order: OrderId,
) -> Result<(), DomainError> {
    let held: Vec<(Uuid, Uuid)> = coupon_redemption::Entity::find()
        .select_only()
        .column(coupon_redemption::Column::Id)
        .column(coupon_redemption::Column::CouponId)
        .filter(coupon_redemption::Column::OrderId.eq(order.as_uuid()))
        .into_tuple()
        .all(conn)
        .await
        .map_err(db_error)?;
    for (id, coupon_id) in held {
        let removed = coupon_redemption::Entity::delete_by_id(id).exec(conn).await.map_err(db_error)?;
        if removed.rows_affected == 1 {
            coupon::Entity::update_many()
                .col_expr(coupon::Column::Redemptions, Expr::col(coupon::Column::Redemptions).sub(1))
                .filter(coupon::Column::Id.eq(coupon_id))
                .filter(coupon::Column::Redemptions.gt(0))
                .exec(conn)
                .await
                .map_err(db_error)?;
        }
    }
    Ok(())
}
