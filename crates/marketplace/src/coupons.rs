//! Coupon use cases: sellers (and admins for any seller) write coupons for their own products,
//! checkout applies a code to the matching seller's order and counts the use in its transaction,
//! and sellers or their integrations redeem in-store coupons once per customer uid.

use sea_orm::{ConnectionTrait, DatabaseTransaction};
use souk_auth::UserRepository;
use souk_auth::permission::require;
use souk_kernel::{Actor, DomainError, FieldErrors, Page, PageRequest, Role, UserId};
use souk_orders::checkout::{DraftOrder, PricedLine, apply_discount};
use souk_orders::coupon::{
    Coupon, CouponId, CouponInput, CouponPatch, Refusal, check_coupon, check_usable, discount_for,
};
use souk_orders::order::OrderId;
use souk_storage::coupons::{
    CouponFilter, Redemption, buyer_redemptions, claim_redemption, delete_coupon, find_coupon,
    find_coupons_by_code, insert_coupon, insert_redemption, list_coupons, uid_redeemed, update_coupon,
};
use souk_storage::products::product_access;
use souk_storage::{SqlUsers, db_error};
use uuid::Uuid;

use crate::Marketplace;

/// Longest in-store customer uid.
pub const MAX_UID_LEN: usize = 128;

fn not_found() -> DomainError {
    DomainError::NotFound { resource: "coupon" }
}

/// A coupon's seller or an admin sees it; for everyone else it does not exist.
fn visible(coupon: Option<Coupon>, actor: &Actor) -> Result<Coupon, DomainError> {
    match coupon {
        Some(c) if actor.is_admin() || actor.user_id() == Some(c.seller_id) => Ok(c),
        _ => Err(not_found()),
    }
}

/// A coupon applied to one seller's order at checkout.
#[derive(Debug, Clone)]
pub struct AppliedCoupon {
    /// The coupon.
    pub coupon_id: CouponId,
    /// Its seller, whose order it discounts.
    pub seller_id: UserId,
    /// The code as the seller wrote it.
    pub code: String,
}

/// The seller an action is for: the acting seller itself, or for admins the named seller
/// account (`seller_id` is then required; others may not name one).
async fn acting_seller<C: ConnectionTrait + Send + Sync>(
    conn: &C,
    actor: &Actor,
    requested: Option<UserId>,
    what: &str,
) -> Result<UserId, DomainError> {
    let Some(me) = actor.user_id() else { return Err(DomainError::Unauthenticated) };
    let seller = match (actor.role(), requested) {
        (Some(Role::Admin), Some(seller)) => seller,
        (Some(Role::Admin), None) => {
            return Err(DomainError::invalid("seller_id", format!("is required when an admin {what}")));
        }
        (Some(Role::Seller), Some(seller)) if seller != me => {
            return Err(DomainError::Forbidden("only admins may act for another seller".into()));
        }
        (Some(Role::Seller), _) => me,
        _ => return Err(DomainError::Forbidden(format!("only sellers and admins {what}"))),
    };
    if seller != me {
        let user = SqlUsers::new(conn).find(seller).await?;
        if user.is_none_or(|u| u.role != Role::Seller) {
            return Err(DomainError::invalid("seller_id", "names no seller account"));
        }
    }
    Ok(seller)
}

/// Refuses scoped products that are not the seller's own (undeleted) products, naming each.
async fn check_scope(conn: &impl ConnectionTrait, seller: UserId, ids: &[Uuid]) -> Result<(), DomainError> {
    let mut errors = FieldErrors::new();
    for id in ids {
        let owned = product_access(conn, *id).await?.is_some_and(|p| p.seller_id == seller && !p.deleted);
        if !owned {
            errors.add("product_ids", format!("{id} names no product of this seller"));
        }
    }
    errors.into_result()
}

fn refused(refusal: &Refusal) -> DomainError {
    DomainError::invalid("coupon_code", format!("the coupon {refusal}"))
}

impl Marketplace {
    /// Writes a coupon for the acting seller (admins name `seller_id`); its products must be the
    /// seller's own, its code unused by the seller (ignoring case, else `409`).
    pub async fn create_coupon(
        &self,
        actor: &Actor,
        seller_id: Option<UserId>,
        input: CouponInput,
    ) -> Result<Coupon, DomainError> {
        require(actor, "coupon", "create")?;
        let terms = check_coupon(input)?;
        let tx = self.db.begin_write().await.map_err(db_error)?;
        let seller = acting_seller(&tx, actor, seller_id, "creates a coupon").await?;
        check_scope(&tx, seller, &terms.product_ids).await?;
        let now = self.clock().now();
        let coupon = Coupon {
            id: CouponId::new(),
            seller_id: seller,
            terms,
            redemptions: 0,
            created_at: now,
            updated_at: now,
        };
        insert_coupon(&tx, &coupon).await?;
        tx.commit().await.map_err(db_error)?;
        Ok(coupon)
    }

    /// A page of coupons: a seller's own, all for admins.
    pub async fn list_coupons(
        &self,
        actor: &Actor,
        filter: CouponFilter,
        page: PageRequest,
    ) -> Result<Page<Coupon>, DomainError> {
        require(actor, "coupon", "view")?;
        let me = actor.user_id().ok_or(DomainError::Unauthenticated)?;
        let scope = match actor.role() {
            Some(Role::Admin) => None,
            Some(Role::Seller) => Some(me),
            _ => return Err(DomainError::Forbidden("only sellers and admins list coupons".into())),
        };
        list_coupons(&self.db.conn, scope, &filter, page).await
    }

    /// One coupon for its seller or an admin (`404` for everyone else).
    pub async fn get_coupon(&self, actor: &Actor, id: CouponId) -> Result<Coupon, DomainError> {
        require(actor, "coupon", "view")?;
        visible(find_coupon(&self.db.conn, id, false).await?, actor)
    }

    /// Changes a coupon's terms (its seller or an admin); the merged terms are checked whole.
    pub async fn update_coupon(
        &self,
        actor: &Actor,
        id: CouponId,
        patch: CouponPatch,
    ) -> Result<Coupon, DomainError> {
        if actor.role().is_none() {
            return Err(DomainError::Unauthenticated);
        }
        let tx = self.db.begin_write().await.map_err(db_error)?;
        let mut coupon = visible(find_coupon(&tx, id, true).await?, actor)?;
        require(actor, "coupon", "update")?;
        coupon.terms = check_coupon(patch.apply(coupon.to_input())?)?;
        check_scope(&tx, coupon.seller_id, &coupon.terms.product_ids).await?;
        coupon.updated_at = self.clock().now();
        update_coupon(&tx, &coupon).await?;
        tx.commit().await.map_err(db_error)?;
        Ok(coupon)
    }

    /// Deletes a coupon and its redemptions (its seller or an admin); orders keep their code.
    pub async fn delete_coupon(&self, actor: &Actor, id: CouponId) -> Result<(), DomainError> {
        if actor.role().is_none() {
            return Err(DomainError::Unauthenticated);
        }
        let tx = self.db.begin_write().await.map_err(db_error)?;
        visible(find_coupon(&tx, id, true).await?, actor)?;
        require(actor, "coupon", "delete")?;
        delete_coupon(&tx, id).await?;
        tx.commit().await.map_err(db_error)
    }

    /// Redeems an in-store coupon of the acting seller (or, for admins, of `seller_id`) for a
    /// customer uid: once per uid; an unknown code is `404`, a second use or a coupon used up,
    /// not yet valid or expired is `409`.
    pub async fn redeem_coupon(
        &self,
        actor: &Actor,
        seller_id: Option<UserId>,
        uid: &str,
        code: &str,
    ) -> Result<(Coupon, Redemption), DomainError> {
        require(actor, "coupon", "redeem")?;
        let uid = uid.trim();
        let mut errors = FieldErrors::new();
        if !(1..=MAX_UID_LEN).contains(&uid.chars().count()) {
            errors.add("uid", format!("must be 1 to {MAX_UID_LEN} characters"));
        }
        if code.trim().is_empty() {
            errors.add("code", "must not be empty");
        }
        errors.into_result()?;
        let tx = self.db.begin_write().await.map_err(db_error)?;
        let seller = acting_seller(&tx, actor, seller_id, "redeems a coupon").await?;
        let mut coupon =
            find_coupons_by_code(&tx, code, &[seller], true).await?.pop().ok_or_else(not_found)?;
        let now = self.clock().now();
        check_usable(&coupon, now).map_err(|r| DomainError::Conflict(format!("the coupon {r}")))?;
        if uid_redeemed(&tx, coupon.id, uid).await? {
            return Err(DomainError::Conflict("the coupon has already been redeemed for this uid".into()));
        }
        if !claim_redemption(&tx, coupon.id).await? {
            return Err(DomainError::Conflict(format!("the coupon {}", Refusal::UsedUp)));
        }
        let redemption = Redemption {
            id: Uuid::now_v7(),
            coupon_id: coupon.id,
            order_id: None,
            buyer_id: None,
            uid: Some(uid.to_owned()),
            created_at: now,
        };
        insert_redemption(&tx, &redemption).await?;
        tx.commit().await.map_err(db_error)?;
        coupon.redemptions += 1;
        Ok((coupon, redemption))
    }
}

impl Marketplace {
    /// The coupons a checkout's code names: those of the checkout's sellers with that code. None
    /// found, or one that cannot be used now, is an error on `coupon_code`, reported with the
    /// checkout's other field errors.
    pub(crate) async fn checkout_coupons(
        &self,
        tx: &DatabaseTransaction,
        code: &str,
        lines: &[(usize, PricedLine)],
        errors: &mut FieldErrors,
    ) -> Result<Vec<Coupon>, DomainError> {
        let mut sellers: Vec<UserId> = Vec::new();
        for (_, line) in lines {
            if !sellers.contains(&line.seller_id) {
                sellers.push(line.seller_id);
            }
        }
        if sellers.is_empty() {
            return Ok(Vec::new());
        }
        let coupons = find_coupons_by_code(tx, code, &sellers, false).await?;
        if coupons.is_empty() {
            errors.add("coupon_code", "names no coupon of the sellers in this checkout");
        }
        let now = self.clock().now();
        for coupon in &coupons {
            if let Err(refusal) = check_usable(coupon, now) {
                errors.add("coupon_code", format!("the coupon {refusal}"));
            }
        }
        Ok(coupons)
    }

    /// Applies each coupon to its seller's draft order and claims one use of it, in the
    /// checkout's transaction (after stock is held, so rows are always locked products first):
    /// the coupon row is locked, the buyer's earlier uses are counted against the per-customer
    /// limit, the discount is priced, and a conditional update claims the use, so concurrent
    /// checkouts never exceed `max_redemptions`. Any refusal is `422` on `coupon_code`.
    pub(crate) async fn redeem_checkout_coupons(
        &self,
        tx: &DatabaseTransaction,
        coupons: &[Coupon],
        drafts: &mut [DraftOrder],
        buyer: UserId,
    ) -> Result<Vec<AppliedCoupon>, DomainError> {
        let now = self.clock().now();
        let mut applied = Vec::new();
        for found in coupons {
            let coupon = find_coupon(tx, found.id, true)
                .await?
                .ok_or_else(|| DomainError::invalid("coupon_code", "names no coupon"))?;
            let Some(draft) = drafts.iter_mut().find(|d| d.seller_id == coupon.seller_id) else {
                continue;
            };
            let used = buyer_redemptions(tx, coupon.id, buyer).await?;
            let discount = discount_for(&coupon, &draft.lines, draft.totals.subtotal, now, used)
                .map_err(|r| refused(&r))?;
            if !claim_redemption(tx, coupon.id).await? {
                return Err(refused(&Refusal::UsedUp));
            }
            apply_discount(&mut draft.totals, discount).map_err(|_| {
                DomainError::invalid("coupon_code", "makes an amount Souk cannot hold exactly")
            })?;
            applied.push(AppliedCoupon {
                coupon_id: coupon.id,
                seller_id: coupon.seller_id,
                code: coupon.terms.code.clone(),
            });
        }
        Ok(applied)
    }
}

/// Records the use of the coupon applied to an order, for the buyer's per-customer count and so
/// the use can be given back if the order is never paid.
pub(crate) async fn record_checkout_redemption(
    tx: &DatabaseTransaction,
    applied: &AppliedCoupon,
    order: OrderId,
    buyer: UserId,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), DomainError> {
    insert_redemption(
        tx,
        &Redemption {
            id: Uuid::now_v7(),
            coupon_id: applied.coupon_id,
            order_id: Some(order),
            buyer_id: Some(buyer),
            uid: None,
            created_at: now,
        },
    )
    .await
}
