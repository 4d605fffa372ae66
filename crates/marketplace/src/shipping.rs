//! Shipping use cases: carriers (admin), shipping rates (a seller's own, or any and platform-wide
//! for admins), and the shipping a checkout charges each seller's order.

use sea_orm::DatabaseTransaction;
use souk_auth::UserRepository;
use souk_auth::permission::{require, require_admin};
use souk_fulfillment::shipping::{Carrier, CarrierStatus, ShippingRate, order_shipping};
use souk_kernel::{Actor, Currency, DomainError, FieldErrors, Money, Page, PageRequest, Role, UserId};
use souk_orders::checkout::{DraftOrder, apply_shipping};
use souk_orders::order::Fulfillment;
use souk_storage::shipping::{self as store, RateFilter};
use souk_storage::{SqlUsers, db_error};
use uuid::Uuid;

use crate::Marketplace;

/// A new carrier.
#[derive(Debug, Clone)]
pub struct CarrierInput {
    /// Display name.
    pub name: String,
    /// Unique code.
    pub code: String,
    /// `active` or `inactive`.
    pub status: CarrierStatus,
    /// Tracking page URL with `{tracking_number}`.
    pub tracking_url_template: Option<String>,
}

/// Changes to a carrier; absent fields stay, `Some(None)` clears the template.
#[derive(Debug, Clone, Default)]
pub struct CarrierPatch {
    /// Display name.
    pub name: Option<String>,
    /// Unique code.
    pub code: Option<String>,
    /// `active` or `inactive`.
    pub status: Option<CarrierStatus>,
    /// Tracking page URL.
    pub tracking_url_template: Option<Option<String>>,
}

/// A new shipping rate; amounts as exact decimal text.
#[derive(Debug, Clone)]
pub struct RateInput {
    /// Display title.
    pub title: String,
    /// Charge for the first unit.
    pub price: String,
    /// Charge for each further unit (zero when absent).
    pub step_price: Option<String>,
    /// Added to every order of the seller.
    pub always_selected: bool,
    /// ISO 4217 code.
    pub currency: String,
    /// The seller (admins; sellers may only name themselves). Admins leave it out for a
    /// platform-wide rate.
    pub seller_id: Option<UserId>,
}

/// Changes to a rate; absent fields stay. The currency and owner never change.
#[derive(Debug, Clone, Default)]
pub struct RatePatch {
    /// Display title.
    pub title: Option<String>,
    /// Charge for the first unit.
    pub price: Option<String>,
    /// Charge for each further unit.
    pub step_price: Option<String>,
    /// Added to every order of the seller.
    pub always_selected: Option<bool>,
}

fn amount(field: &str, text: &str, currency: Currency, errors: &mut FieldErrors) -> Money {
    match currency.parse_amount(text.trim()) {
        Ok(money) => money,
        Err(e) => {
            errors.add(field, e.to_string());
            Money::zero(currency)
        }
    }
}

/// May the actor change this rate? Platform-wide rates are admins' alone; a seller's own ones
/// are its own and admins'. Rates are public, so a refusal is `403`, never `404`.
fn may_change(actor: &Actor, rate: &ShippingRate) -> Result<(), DomainError> {
    if actor.is_admin() {
        return Ok(());
    }
    match (rate.seller_id, actor.user_id()) {
        (Some(owner), Some(me)) if owner == me => Ok(()),
        _ => Err(DomainError::Forbidden("only the rate's seller or an admin changes it".into())),
    }
}

impl Marketplace {
    /// Carriers by name: active ones for everyone, every carrier for admins who ask.
    pub async fn list_carriers(
        &self,
        actor: &Actor,
        include_inactive: bool,
        page: PageRequest,
    ) -> Result<Page<Carrier>, DomainError> {
        if include_inactive {
            require_admin(actor)?;
        }
        store::list_carriers(&self.db.conn, !include_inactive, page).await
    }

    /// Adds a carrier (admin); `409` when the code is taken.
    pub async fn create_carrier(&self, actor: &Actor, input: CarrierInput) -> Result<Carrier, DomainError> {
        require_admin(actor)?;
        let now = self.clock().now();
        let mut carrier = Carrier {
            id: Uuid::now_v7(),
            name: input.name,
            code: input.code,
            status: input.status,
            tracking_url_template: input.tracking_url_template,
            created_at: now,
            updated_at: now,
        };
        let mut errors = FieldErrors::new();
        carrier.check(&mut errors);
        errors.into_result()?;
        let tx = self.db.begin_write().await.map_err(db_error)?;
        store::insert_carrier(&tx, &carrier).await?;
        tx.commit().await.map_err(db_error)?;
        Ok(carrier)
    }

    /// Changes a carrier (admin); an inactive carrier leaves the public list and can no longer be
    /// named on deliveries.
    pub async fn update_carrier(
        &self,
        actor: &Actor,
        id: Uuid,
        patch: CarrierPatch,
    ) -> Result<Carrier, DomainError> {
        require_admin(actor)?;
        let tx = self.db.begin_write().await.map_err(db_error)?;
        let mut carrier = store::find_carrier(&tx, id)
            .await?
            .ok_or(DomainError::NotFound { resource: "shipping carrier" })?;
        if let Some(name) = patch.name {
            carrier.name = name;
        }
        if let Some(code) = patch.code {
            carrier.code = code;
        }
        if let Some(status) = patch.status {
            carrier.status = status;
        }
        if let Some(template) = patch.tracking_url_template {
            carrier.tracking_url_template = template;
        }
        let mut errors = FieldErrors::new();
        carrier.check(&mut errors);
        errors.into_result()?;
        carrier.updated_at = self.clock().now();
        store::update_carrier(&tx, &carrier).await?;
        tx.commit().await.map_err(db_error)?;
        Ok(carrier)
    }

    /// Rates anyone may read, oldest first.
    pub async fn list_rates(
        &self,
        filter: RateFilter,
        page: PageRequest,
    ) -> Result<Page<ShippingRate>, DomainError> {
        store::list_rates(&self.db.conn, &filter, page).await
    }

    /// One rate; public.
    pub async fn get_rate(&self, id: Uuid) -> Result<ShippingRate, DomainError> {
        store::find_rate(&self.db.conn, id).await?.ok_or(DomainError::NotFound { resource: "shipping rate" })
    }

    /// Adds a rate: a seller's own, or for admins any seller's or a platform-wide one.
    pub async fn create_rate(&self, actor: &Actor, input: RateInput) -> Result<ShippingRate, DomainError> {
        require(actor, "shipping", "create")?;
        let me = actor.user_id().ok_or(DomainError::Unauthenticated)?;
        let seller_id = match (actor.role(), input.seller_id) {
            (Some(Role::Admin), requested) => requested,
            (Some(Role::Seller), None) => Some(me),
            (Some(Role::Seller), Some(requested)) if requested == me => Some(me),
            (Some(Role::Seller), Some(_)) => {
                return Err(DomainError::Forbidden("sellers write only their own rates".into()));
            }
            _ => return Err(DomainError::Forbidden("only sellers and admins write shipping rates".into())),
        };
        let mut errors = FieldErrors::new();
        let Ok(currency) = Currency::from_code(input.currency.trim()) else {
            return Err(DomainError::invalid("currency", "must be an ISO 4217 code such as USD"));
        };
        let now = self.clock().now();
        let mut rate = ShippingRate {
            id: Uuid::now_v7(),
            title: input.title,
            price: amount("price", &input.price, currency, &mut errors),
            step_price: input
                .step_price
                .map_or(Money::zero(currency), |s| amount("step_price", &s, currency, &mut errors)),
            always_selected: input.always_selected,
            seller_id,
            created_at: now,
            updated_at: now,
        };
        rate.check(&mut errors);
        let tx = self.db.begin_write().await.map_err(db_error)?;
        if let Some(seller) = seller_id
            && SqlUsers::new(&tx).find(seller).await?.is_none_or(|u| u.role != Role::Seller)
        {
            errors.add("seller_id", "names no seller account");
        }
        errors.into_result()?;
        store::insert_rate(&tx, &rate).await?;
        tx.commit().await.map_err(db_error)?;
        Ok(rate)
    }

    /// Changes a rate (its seller or an admin); orders already placed keep their shipping.
    pub async fn update_rate(
        &self,
        actor: &Actor,
        id: Uuid,
        patch: RatePatch,
    ) -> Result<ShippingRate, DomainError> {
        require(actor, "shipping", "update")?;
        let tx = self.db.begin_write().await.map_err(db_error)?;
        let mut rate =
            store::find_rate(&tx, id).await?.ok_or(DomainError::NotFound { resource: "shipping rate" })?;
        may_change(actor, &rate)?;
        let mut errors = FieldErrors::new();
        let currency = rate.currency();
        if let Some(title) = patch.title {
            rate.title = title;
        }
        if let Some(price) = patch.price {
            rate.price = amount("price", &price, currency, &mut errors);
        }
        if let Some(step) = patch.step_price {
            rate.step_price = amount("step_price", &step, currency, &mut errors);
        }
        if let Some(always) = patch.always_selected {
            rate.always_selected = always;
        }
        rate.check(&mut errors);
        errors.into_result()?;
        rate.updated_at = self.clock().now();
        store::update_rate(&tx, &rate).await?;
        tx.commit().await.map_err(db_error)?;
        Ok(rate)
    }

    /// Deletes a rate (its seller or an admin); orders already placed keep their shipping.
    pub async fn delete_rate(&self, actor: &Actor, id: Uuid) -> Result<(), DomainError> {
        require(actor, "shipping", "delete")?;
        let tx = self.db.begin_write().await.map_err(db_error)?;
        let rate =
            store::find_rate(&tx, id).await?.ok_or(DomainError::NotFound { resource: "shipping rate" })?;
        may_change(actor, &rate)?;
        store::delete_rate(&tx, id).await?;
        tx.commit().await.map_err(db_error)
    }

    /// The rate a checkout names, or a field error when there is none.
    pub(crate) async fn checkout_rate(
        &self,
        tx: &DatabaseTransaction,
        id: Option<Uuid>,
        errors: &mut FieldErrors,
    ) -> Result<Option<ShippingRate>, DomainError> {
        let Some(id) = id else { return Ok(None) };
        let rate = store::find_rate(tx, id).await?;
        if rate.is_none() {
            errors.add("shipping_rate_id", "names no shipping rate");
        }
        Ok(rate)
    }

    /// Charges each delivered draft order its shipping: the chosen rate where it serves the order
    /// (the order's seller's or platform-wide, in the order's currency) plus the seller's
    /// always-selected rates; a chosen rate that serves none of the orders is refused (`422`).
    pub(crate) async fn add_checkout_shipping(
        &self,
        tx: &DatabaseTransaction,
        chosen: Option<&ShippingRate>,
        fulfillment: Fulfillment,
        drafts: &mut [DraftOrder],
    ) -> Result<(), DomainError> {
        if fulfillment != Fulfillment::Delivery {
            return Ok(());
        }
        if let Some(rate) = chosen
            && !drafts.iter().any(|d| rate.serves(d.seller_id, d.totals.subtotal.currency()))
        {
            let whose = if rate.seller_id.is_some() { "another seller's" } else { "a platform-wide" };
            return Err(DomainError::invalid(
                "shipping_rate_id",
                format!(
                    "is {whose} rate in {}, which serves none of the sellers or currencies of these lines",
                    rate.currency()
                ),
            ));
        }
        let sellers: Vec<UserId> = drafts.iter().map(|d| d.seller_id).collect();
        let always = store::always_selected_rates(tx, &sellers).await?;
        for draft in drafts.iter_mut() {
            let currency = draft.totals.subtotal.currency();
            let units = draft.lines.iter().map(|l| l.quantity).sum();
            let shipping = order_shipping(draft.seller_id, currency, units, chosen, &always)
                .and_then(|shipping| apply_shipping(&mut draft.totals, shipping).map(|()| shipping));
            if shipping.is_err() {
                return Err(DomainError::invalid(
                    "shipping_rate_id",
                    "makes an amount too large for Souk to hold exactly",
                ));
            }
        }
        Ok(())
    }
}
