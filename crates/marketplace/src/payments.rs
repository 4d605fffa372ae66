//! Payment use cases: gateways (admin), starting a payment for an order or a cart, the provider
//! callback that holds the money in escrow (signature first, then the provider's own word,
//! idempotent per `tx_ref`), the sandbox's hosted checkout, and payment reads.

use chrono::Utc;
use souk_auth::UserRepository;
use souk_auth::permission::{require, require_admin};
use souk_escrow::gateway::{Gateway, GatewayStatus, Provider};
use souk_escrow::ledger::{AccountRef, Transfer, TransferKind};
use souk_escrow::payment::{AttemptStatus, MoneyTrail, Payment, PaymentId, PaymentStatus, payment_status};
use souk_escrow::signature;
use souk_kernel::{Actor, Currency, DomainError, FieldErrors, Money, Page, PageRequest, Role};
use souk_orders::order::{Order, OrderId, PaymentStatus as OrderPaymentStatus};
use souk_orders::status::{OrderStatus, Party};
use souk_storage::orders::{OrderFilter, OrderScope, find_order, list_orders, update_order_status};
use souk_storage::{SqlUsers, db_error, ledger, payments};
use uuid::Uuid;

use crate::Marketplace;
use crate::adapters::payments::{ChargeRequest, SandboxCallback};
use crate::escrow::{Mover, escrow_account};

/// A new gateway.
#[derive(Debug, Clone)]
pub struct GatewayInput {
    /// Name.
    pub title: String,
    /// Provider.
    pub provider: Provider,
    /// Test mode at the provider.
    pub sandbox: bool,
    /// Whether it takes payments.
    pub status: GatewayStatus,
    /// Currency code.
    pub currency: String,
    /// Smallest transaction, as a decimal string.
    pub min_transaction_size: Option<String>,
    /// Largest transaction, as a decimal string.
    pub max_transaction_size: Option<String>,
    /// Public settings.
    pub settings: serde_json::Map<String, serde_json::Value>,
    /// Secrets (write-only).
    pub secrets: serde_json::Map<String, serde_json::Value>,
}

/// Changes to a gateway; absent fields stay, `Some(None)` clears a limit.
#[derive(Debug, Clone, Default)]
pub struct GatewayPatch {
    /// Name.
    pub title: Option<String>,
    /// Test mode.
    pub sandbox: Option<bool>,
    /// Whether it takes payments.
    pub status: Option<GatewayStatus>,
    /// Smallest transaction.
    pub min_transaction_size: Option<Option<String>>,
    /// Largest transaction.
    pub max_transaction_size: Option<Option<String>>,
    /// Settings replaced key by key (`null` removes a key).
    pub settings: Option<serde_json::Map<String, serde_json::Value>>,
    /// Secrets replaced key by key (`null` removes a key).
    pub secrets: Option<serde_json::Map<String, serde_json::Value>>,
}

/// A gateway as created, with the webhook secret when Souk generated it (shown once).
#[derive(Debug, Clone)]
pub struct CreatedGateway {
    /// The gateway.
    pub gateway: Gateway,
    /// The generated `webhook_secret`, if none was given.
    pub generated_webhook_secret: Option<String>,
}

/// What to pay.
#[derive(Debug, Clone, Default)]
pub struct InitiateRequest {
    /// One order.
    pub order_id: Option<OrderId>,
    /// Every payable order of a checkout.
    pub cart_id: Option<Uuid>,
    /// The gateway; the first active one of the orders' currency when absent.
    pub gateway_id: Option<Uuid>,
}

/// A started payment.
#[derive(Debug, Clone)]
pub struct Initiated {
    /// Where the buyer pays.
    pub checkout_url: String,
    /// Souk's reference.
    pub tx_ref: String,
    /// Some order of the payment has a trial.
    pub has_trial: bool,
    /// The attempt.
    pub payment: Payment,
}

/// A payment with the money trail behind its status.
#[derive(Debug, Clone)]
pub struct PaymentReport {
    /// The attempt.
    pub payment: Payment,
    /// The buyer-facing status.
    pub status: PaymentStatus,
    /// What moved.
    pub trail: MoneyTrail,
    /// The orders it pays.
    pub orders: Vec<Order>,
}

/// Everything about an order's money.
#[derive(Debug, Clone)]
pub struct OrderPayment {
    /// The order.
    pub order: Order,
    /// Attempts, newest first.
    pub attempts: Vec<Payment>,
    /// What moved for this order.
    pub trail: MoneyTrail,
    /// Where the buyer's money stands: the paid attempt's status (else the newest attempt's)
    /// read against the order's money trail.
    pub status: PaymentStatus,
}

/// Appends a payment event (buyers' payments are not any one seller's object).
async fn record_payment(
    tx: &sea_orm::DatabaseTransaction,
    kind: &str,
    payment: &Payment,
    now: chrono::DateTime<Utc>,
) -> Result<(), DomainError> {
    let data = serde_json::json!({
        "tx_ref": payment.tx_ref,
        "status": payment.status.as_str(),
        "amount": Money::from_minor(payment.amount, payment.currency).amount_string(),
        "currency": payment.currency.code(),
        "order_ids": payment.orders.iter().map(|(id, _)| id).collect::<Vec<_>>(),
        "paid_at": payment.paid_at,
    });
    crate::outbox::record(tx, kind, "payment", payment.id.as_uuid(), None, data, now).await
}

fn generate_secret() -> String {
    format!("whsec_{}", souk_auth::secret::random_secret(24))
}

fn parse_limit(
    field: &str,
    value: Option<&str>,
    currency: Currency,
    errors: &mut FieldErrors,
) -> Option<i64> {
    let text = value?;
    match currency.parse_amount(text) {
        Ok(money) if money.minor() > 0 => Some(money.minor()),
        Ok(_) => {
            errors.add(field, "must be more than zero");
            None
        }
        Err(e) => {
            errors.add(field, e.to_string());
            None
        }
    }
}

fn check_gateway(g: &Gateway, errors: &mut FieldErrors) {
    let title = g.title.trim();
    if title.is_empty() || title.chars().count() > 100 {
        errors.add("title", "must be 1 to 100 characters");
    }
    if let (Some(min), Some(max)) = (g.min_amount, g.max_amount)
        && min > max
    {
        errors.add("max_transaction_size", "must not be below min_transaction_size");
    }
    for (name, value) in &g.secrets {
        if !g.provider.secret_names().contains(&name.as_str()) {
            errors.add(
                format!("secrets.{name}"),
                format!("is not a secret of {}; known: {}", g.provider, g.provider.secret_names().join(", ")),
            );
        } else if !value.as_str().is_some_and(|v| !v.is_empty() && v.len() <= 500) {
            errors.add(format!("secrets.{name}"), "must be a string of 1 to 500 characters");
        }
    }
    for name in g.provider.required_secrets() {
        if g.secret(name).is_none() {
            errors.add(format!("secrets.{name}"), format!("is required for {}", g.provider));
        }
    }
    if let Some(base) = g.settings.get("base_url") {
        let ok = base.as_str().is_some_and(|b| b.starts_with("http://") || b.starts_with("https://"));
        if !ok {
            errors.add("settings.base_url", "must be an http or https URL");
        }
    }
    if serde_json::Value::Object(g.settings.clone()).to_string().len() > 10_000 {
        errors.add("settings", "must be at most 10000 bytes of JSON");
    }
}

fn merge(
    target: &mut serde_json::Map<String, serde_json::Value>,
    changes: serde_json::Map<String, serde_json::Value>,
) {
    for (key, value) in changes {
        if value.is_null() {
            target.remove(&key);
        } else {
            target.insert(key, value);
        }
    }
}

impl Marketplace {
    /// Creates a gateway (admin); a sandbox or chapa gateway without a `webhook_secret` gets a
    /// generated one, returned once.
    pub async fn create_gateway(
        &self,
        actor: &Actor,
        input: GatewayInput,
    ) -> Result<CreatedGateway, DomainError> {
        require_admin(actor)?;
        let mut errors = FieldErrors::new();
        let currency = match Currency::from_code(input.currency.trim()) {
            Ok(c) => Some(c),
            Err(_) => {
                errors.add("currency", "must be an ISO 4217 code such as USD");
                None
            }
        };
        let Some(currency) = currency else { return Err(DomainError::Validation(errors)) };
        if input.provider == Provider::Sandbox && !self.settings.sandbox {
            errors.add("provider", "sandbox gateways exist only in sandbox mode (SOUK_SANDBOX)");
        }
        let now = self.clock().now();
        let mut gateway = Gateway {
            id: Uuid::now_v7(),
            title: input.title.trim().to_owned(),
            provider: input.provider,
            sandbox: input.sandbox,
            status: input.status,
            currency,
            min_amount: parse_limit(
                "min_transaction_size",
                input.min_transaction_size.as_deref(),
                currency,
                &mut errors,
            ),
            max_amount: parse_limit(
                "max_transaction_size",
                input.max_transaction_size.as_deref(),
                currency,
                &mut errors,
            ),
            settings: input.settings,
            secrets: input.secrets,
            created_at: now,
            updated_at: now,
        };
        let generated = if gateway.secret("webhook_secret").is_none() {
            let secret = generate_secret();
            gateway.secrets.insert("webhook_secret".into(), secret.clone().into());
            Some(secret)
        } else {
            None
        };
        check_gateway(&gateway, &mut errors);
        errors.into_result()?;
        let tx = self.db.begin_write().await.map_err(db_error)?;
        payments::insert_gateway(&tx, &gateway).await?;
        tx.commit().await.map_err(db_error)?;
        Ok(CreatedGateway { gateway, generated_webhook_secret: generated })
    }

    /// Gateways (admin).
    pub async fn list_gateways(
        &self,
        actor: &Actor,
        page: PageRequest,
    ) -> Result<Page<Gateway>, DomainError> {
        require_admin(actor)?;
        payments::list_gateways(&self.db.conn, None, page).await
    }

    /// One gateway (admin).
    pub async fn get_gateway(&self, actor: &Actor, id: Uuid) -> Result<Gateway, DomainError> {
        require_admin(actor)?;
        payments::find_gateway(&self.db.conn, id)
            .await?
            .ok_or(DomainError::NotFound { resource: "payment gateway" })
    }

    /// Changes a gateway (admin); the provider and currency are fixed once payments may exist.
    pub async fn update_gateway(
        &self,
        actor: &Actor,
        id: Uuid,
        patch: GatewayPatch,
    ) -> Result<Gateway, DomainError> {
        require_admin(actor)?;
        let tx = self.db.begin_write().await.map_err(db_error)?;
        let mut gateway = payments::find_gateway(&tx, id)
            .await?
            .ok_or(DomainError::NotFound { resource: "payment gateway" })?;
        let mut errors = FieldErrors::new();
        if let Some(title) = patch.title {
            gateway.title = title.trim().to_owned();
        }
        if let Some(sandbox) = patch.sandbox {
            gateway.sandbox = sandbox;
        }
        if let Some(status) = patch.status {
            gateway.status = status;
        }
        if let Some(min) = patch.min_transaction_size {
            gateway.min_amount =
                parse_limit("min_transaction_size", min.as_deref(), gateway.currency, &mut errors);
        }
        if let Some(max) = patch.max_transaction_size {
            gateway.max_amount =
                parse_limit("max_transaction_size", max.as_deref(), gateway.currency, &mut errors);
        }
        if let Some(settings) = patch.settings {
            merge(&mut gateway.settings, settings);
        }
        if let Some(secrets) = patch.secrets {
            merge(&mut gateway.secrets, secrets);
            if gateway.secret("webhook_secret").is_none() {
                errors.add("secrets.webhook_secret", "cannot be removed: callbacks are checked with it");
            }
        }
        check_gateway(&gateway, &mut errors);
        errors.into_result()?;
        gateway.updated_at = self.clock().now();
        payments::update_gateway(&tx, &gateway).await?;
        tx.commit().await.map_err(db_error)?;
        Ok(gateway)
    }

    /// Deletes a gateway no payment used (admin); one with payments is deactivated instead (`409`).
    pub async fn delete_gateway(&self, actor: &Actor, id: Uuid) -> Result<(), DomainError> {
        require_admin(actor)?;
        let tx = self.db.begin_write().await.map_err(db_error)?;
        payments::find_gateway(&tx, id)
            .await?
            .ok_or(DomainError::NotFound { resource: "payment gateway" })?;
        if !payments::delete_gateway(&tx, id).await? {
            return Err(DomainError::Conflict(
                "payments or payout accounts use this gateway; set its status to inactive instead".into(),
            ));
        }
        tx.commit().await.map_err(db_error)
    }
}

impl Marketplace {
    /// Starts a payment for one order or every payable order of a cart (their buyer only):
    /// orders must be `pending` or `failed` (a failed one moves back to `pending`), in one
    /// currency, and the total within the gateway's limits.
    pub async fn initiate_payment(
        &self,
        actor: &Actor,
        request: InitiateRequest,
    ) -> Result<Initiated, DomainError> {
        require(actor, "payment", "create")?;
        let buyer = actor.user_id().ok_or(DomainError::Unauthenticated)?;
        let orders = match (request.order_id, request.cart_id) {
            (Some(id), None) => {
                let order = find_order(&self.db.conn, id, false)
                    .await?
                    .ok_or(DomainError::NotFound { resource: "order" })?;
                if order.buyer_id != buyer {
                    return Err(DomainError::NotFound { resource: "order" });
                }
                vec![order]
            }
            (None, Some(cart)) => {
                let filter = OrderFilter { cart_id: Some(cart), ..OrderFilter::default() };
                let page =
                    list_orders(&self.db.conn, OrderScope::Buyer(buyer), &filter, PageRequest::new(1, 200)?)
                        .await?;
                let payable: Vec<Order> = page
                    .items
                    .into_iter()
                    .filter(|o| matches!(o.status, OrderStatus::Pending | OrderStatus::Failed))
                    .collect();
                if payable.is_empty() {
                    return Err(DomainError::NotFound { resource: "cart with orders awaiting payment" });
                }
                payable
            }
            _ => return Err(DomainError::invalid("order_id", "give exactly one of order_id and cart_id")),
        };
        for order in &orders {
            if !matches!(order.status, OrderStatus::Pending | OrderStatus::Failed) {
                return Err(DomainError::Conflict(format!(
                    "order {} is {}; only pending or failed orders are paid",
                    order.number, order.status
                )));
            }
        }
        let currency = orders[0].totals.total.currency();
        if orders.iter().any(|o| o.totals.total.currency() != currency) {
            return Err(DomainError::invalid(
                "cart_id",
                "the cart's orders are in different currencies; pay them one by one",
            ));
        }
        let amount = orders.iter().map(|o| o.totals.total.minor()).sum::<i64>();
        let amount = Money::from_minor(amount, currency);
        let gateway = match request.gateway_id {
            Some(id) => payments::find_gateway(&self.db.conn, id)
                .await?
                .filter(|g| g.status == GatewayStatus::Active)
                .ok_or_else(|| DomainError::invalid("gateway_id", "names no active payment gateway"))?,
            None => payments::list_gateways(&self.db.conn, Some(currency), PageRequest::new(1, 1)?)
                .await?
                .items
                .into_iter()
                .next()
                .ok_or_else(|| {
                    DomainError::invalid(
                        "gateway_id",
                        format!("no active payment gateway collects {currency}"),
                    )
                })?,
        };
        if gateway.provider == Provider::Sandbox && !self.settings.sandbox {
            return Err(DomainError::invalid(
                "gateway_id",
                "sandbox gateways take payments only in sandbox mode",
            ));
        }
        gateway.check_amount(amount)?;
        let user = SqlUsers::new(&self.db.conn).find(buyer).await?.ok_or(DomainError::Unauthenticated)?;
        let tx_ref = format!("souk_{}", Uuid::now_v7().simple());
        let request = ChargeRequest {
            tx_ref: tx_ref.clone(),
            amount,
            email: user.email.clone(),
            name: format!("{} {}", user.first_name, user.last_name).trim().to_owned(),
            callback_url: format!("{}/api/v1/payments/webhook/{}", self.settings.public_url, gateway.id),
            return_url: format!("{}/api/v1/payments/status?tx_ref={tx_ref}", self.settings.public_url),
            public_url: self.settings.public_url.clone(),
        };
        let charge = self.providers.of(&gateway).initialize(&gateway, &request).await?;
        let now = self.clock().now();
        let payment = Payment {
            id: PaymentId::new(),
            tx_ref: tx_ref.clone(),
            gateway_id: gateway.id,
            buyer_id: buyer,
            cart_id: if orders.len() > 1 { Some(orders[0].cart_id) } else { None },
            currency,
            amount: amount.minor(),
            status: AttemptStatus::Pending,
            provider_reference: charge.provider_reference,
            method: None,
            card_brand: None,
            card_last4: None,
            checkout_url: Some(charge.checkout_url.clone()),
            paid_at: None,
            orders: orders.iter().map(|o| (o.id.as_uuid(), o.totals.total.minor())).collect(),
            created_at: now,
            updated_at: now,
        };
        let tx = self.db.begin_write().await.map_err(db_error)?;
        for order in &orders {
            let mut order =
                find_order(&tx, order.id, true).await?.ok_or(DomainError::NotFound { resource: "order" })?;
            match order.status {
                OrderStatus::Failed => {
                    let mover = Mover { party: Party::Buyer, user: Some(buyer) };
                    self.move_order(
                        &tx,
                        &mut order,
                        OrderStatus::Pending,
                        mover,
                        Some("payment retried".into()),
                        now,
                    )
                    .await?;
                }
                OrderStatus::Pending => {}
                other => {
                    return Err(DomainError::Conflict(format!(
                        "order {} is {other}; only pending or failed orders are paid",
                        order.number
                    )));
                }
            }
        }
        payments::insert_payment(&tx, &payment).await?;
        tx.commit().await.map_err(db_error)?;
        let has_trial = orders.iter().any(Order::has_trial);
        Ok(Initiated { checkout_url: charge.checkout_url, tx_ref, has_trial, payment })
    }

    /// Handles a provider's callback for a gateway: the signature is checked first, then the
    /// provider confirms the transaction, then, once per `tx_ref`, a success holds each order's
    /// share in its escrow and moves it `pending -> new`, and a failure moves it to `failed`.
    /// A repeated callback changes nothing and answers the current state.
    pub async fn payment_callback(
        &self,
        gateway_id: Uuid,
        headers: &[(String, String)],
        body: &[u8],
    ) -> Result<PaymentReport, DomainError> {
        let gateway = payments::find_gateway(&self.db.conn, gateway_id)
            .await?
            .ok_or(DomainError::NotFound { resource: "payment gateway" })?;
        if gateway.provider == Provider::Sandbox && !self.settings.sandbox {
            return Err(DomainError::NotFound { resource: "payment gateway" });
        }
        let provider = self.providers.of(&gateway);
        let callback = provider.read_callback(&gateway, headers, body, Utc::now().timestamp())?;
        let known = payments::find_payment_by_ref(&self.db.conn, &callback.tx_ref, false)
            .await?
            .filter(|p| p.gateway_id == gateway.id)
            .ok_or(DomainError::NotFound { resource: "payment" })?;
        if known.status != AttemptStatus::Pending {
            return self.report(known).await;
        }
        let verified = provider.verify(&gateway, &callback).await?;
        let tx = self.db.begin_write().await.map_err(db_error)?;
        let mut payment = payments::find_payment_by_ref(&tx, &callback.tx_ref, true)
            .await?
            .ok_or(DomainError::NotFound { resource: "payment" })?;
        if payment.status != AttemptStatus::Pending {
            drop(tx);
            return self.report(payment).await;
        }
        let now = self.clock().now();
        payment.provider_reference = verified.provider_reference.clone().or(payment.provider_reference);
        payment.method = verified.method.clone();
        payment.card_brand = verified.card_brand.clone();
        payment.card_last4 = verified.card_last4.clone();
        payment.updated_at = now;
        if verified.success {
            let amount = verified.amount.as_deref().map(|a| payment.currency.parse_amount(a));
            let same_currency = verified.currency.as_deref().is_none_or(|c| c == payment.currency.code());
            if !matches!(amount, Some(Ok(m)) if m.minor() == payment.amount) || !same_currency {
                return Err(DomainError::invalid(
                    "amount",
                    format!(
                        "the provider confirmed a different amount than the {} {} this payment collects; nothing changed",
                        Money::from_minor(payment.amount, payment.currency),
                        payment.currency
                    ),
                ));
            }
            payment.status = AttemptStatus::Succeeded;
            payment.paid_at = Some(now);
            payments::update_payment(&tx, &payment).await?;
            record_payment(&tx, "payment.succeeded", &payment, now).await?;
            for (order_id, share) in payment.orders.clone() {
                self.hold_share(&tx, &payment, OrderId(order_id), share, now).await?;
            }
        } else {
            payment.status = AttemptStatus::Failed;
            payments::update_payment(&tx, &payment).await?;
            record_payment(&tx, "payment.failed", &payment, now).await?;
            for (order_id, _) in payment.orders.clone() {
                let Some(mut order) = find_order(&tx, OrderId(order_id), true).await? else { continue };
                let other_attempt_open = payments::payments_of_order(&tx, order_id)
                    .await?
                    .iter()
                    .any(|p| p.id != payment.id && p.status == AttemptStatus::Pending);
                if order.status == OrderStatus::Pending && !other_attempt_open {
                    order.payment_status = OrderPaymentStatus::Failed;
                    self.move_order(
                        &tx,
                        &mut order,
                        OrderStatus::Failed,
                        Mover::system(),
                        Some("payment failed".into()),
                        now,
                    )
                    .await?;
                }
            }
        }
        tx.commit().await.map_err(db_error)?;
        self.report(payment).await
    }

    /// Holds one order's share of a captured payment; an order that can no longer take it
    /// (cancelled meanwhile, or paid by another attempt) gets it refunded at once, so captured
    /// money never sits outside an escrow that a later step will visit.
    async fn hold_share(
        &self,
        tx: &sea_orm::DatabaseTransaction,
        payment: &Payment,
        order_id: OrderId,
        share: i64,
        now: chrono::DateTime<Utc>,
    ) -> Result<(), DomainError> {
        let mut order =
            find_order(tx, order_id, true).await?.ok_or(DomainError::NotFound { resource: "order" })?;
        let hold = Transfer::between(
            format!("hold:{}:{}", payment.id, order.id),
            TransferKind::Hold,
            AccountRef::buyer_funding(payment.buyer_id.as_uuid(), payment.currency),
            escrow_account(&order),
            share,
        )?
        .for_order(order.id.as_uuid())
        .for_payment(payment.id.as_uuid())
        .with_memo(format!("payment {}", payment.tx_ref));
        ledger::post(tx, &hold, now).await?;
        let payable =
            order.status == OrderStatus::Pending && order.payment_status != OrderPaymentStatus::Paid;
        if payable {
            order.payment_status = OrderPaymentStatus::Paid;
            order.expires_at = None;
            let reason = format!("paid with {}", payment.tx_ref);
            self.move_order(tx, &mut order, OrderStatus::New, Mover::system(), Some(reason), now).await?;
        } else {
            let key = format!("refund:{}:{}:unpayable", payment.id, order.id);
            let memo = format!("order was {} when payment {} arrived", order.status, payment.tx_ref);
            let before = order.payment_status;
            self.refund_escrow(tx, &mut order, Some(share), &memo, &key, now).await?;
            if matches!(before, OrderPaymentStatus::Paid | OrderPaymentStatus::PartiallyRefunded) {
                order.payment_status = before;
            }
            order.updated_at = now;
            update_order_status(tx, &order).await?;
        }
        Ok(())
    }

    async fn report(&self, payment: Payment) -> Result<PaymentReport, DomainError> {
        let ids: Vec<Uuid> = payment.orders.iter().map(|(id, _)| *id).collect();
        let trail = ledger::order_trail(&self.db.conn, &ids).await?;
        let mut orders = Vec::new();
        for id in ids {
            if let Some(order) = find_order(&self.db.conn, OrderId(id), false).await? {
                orders.push(order);
            }
        }
        let status = payment_status(payment.status, &trail);
        Ok(PaymentReport { payment, status, trail, orders })
    }

    /// A payment by `tx_ref` for its buyer, a seller of one of its orders, or an admin.
    pub async fn payment_status(&self, actor: &Actor, tx_ref: &str) -> Result<PaymentReport, DomainError> {
        require(actor, "payment", "view")?;
        let payment = payments::find_payment_by_ref(&self.db.conn, tx_ref, false)
            .await?
            .ok_or(DomainError::NotFound { resource: "payment" })?;
        let report = self.report(payment).await?;
        let me = actor.user_id().ok_or(DomainError::Unauthenticated)?;
        let mut report = report;
        let buyer_or_admin = actor.role() == Some(Role::Admin) || report.payment.buyer_id == me;
        if !buyer_or_admin {
            report.orders.retain(|o| o.seller_id == me);
            if report.orders.is_empty() {
                return Err(DomainError::NotFound { resource: "payment" });
            }
        }
        Ok(report)
    }

    /// An order's payment information for a party to it or an admin.
    pub async fn order_payment(&self, actor: &Actor, id: OrderId) -> Result<OrderPayment, DomainError> {
        require(actor, "payment", "view")?;
        let order =
            find_order(&self.db.conn, id, false).await?.ok_or(DomainError::NotFound { resource: "order" })?;
        Party::of(actor, order.buyer_id, order.seller_id)
            .ok_or(DomainError::NotFound { resource: "order" })?;
        let attempts = payments::payments_of_order(&self.db.conn, id.as_uuid()).await?;
        let trail = ledger::order_trail(&self.db.conn, &[id.as_uuid()]).await?;
        let deciding = attempts.iter().find(|a| a.paid_at.is_some()).or(attempts.first());
        let status = deciding.map_or(PaymentStatus::Pending, |a| payment_status(a.status, &trail));
        Ok(OrderPayment { order, attempts, trail, status })
    }
}

/// What the sandbox's hosted checkout page shows.
#[derive(Debug, Clone)]
pub struct SandboxCheckout {
    /// The attempt.
    pub payment: Payment,
    /// Its gateway.
    pub gateway: Gateway,
}

impl Marketplace {
    /// The attempt behind the sandbox's hosted checkout page (sandbox gateways only).
    pub async fn sandbox_checkout(&self, tx_ref: &str) -> Result<SandboxCheckout, DomainError> {
        if !self.settings.sandbox {
            return Err(DomainError::NotFound { resource: "sandbox endpoint" });
        }
        let payment = payments::find_payment_by_ref(&self.db.conn, tx_ref, false)
            .await?
            .ok_or(DomainError::NotFound { resource: "payment" })?;
        let gateway = payments::find_gateway(&self.db.conn, payment.gateway_id)
            .await?
            .filter(|g| g.provider == Provider::Sandbox)
            .ok_or(DomainError::NotFound { resource: "payment" })?;
        Ok(SandboxCheckout { payment, gateway })
    }

    /// The sandbox checkout page's Pay or Fail button: sends the callback a sandbox provider
    /// would send, signed with the gateway's secret, through the same path as any callback.
    pub async fn sandbox_complete(&self, tx_ref: &str, pay: bool) -> Result<PaymentReport, DomainError> {
        let SandboxCheckout { payment, gateway } = self.sandbox_checkout(tx_ref).await?;
        let body = serde_json::to_vec(&SandboxCallback {
            event: if pay { "charge.success" } else { "charge.failed" }.into(),
            tx_ref: payment.tx_ref.clone(),
            status: if pay { "success" } else { "failed" }.into(),
            amount: Money::from_minor(payment.amount, payment.currency).amount_string(),
            currency: payment.currency.code().into(),
        })
        .map_err(DomainError::unexpected)?;
        let secret = gateway
            .secret("webhook_secret")
            .ok_or_else(|| DomainError::unexpected("a sandbox gateway has no webhook secret"))?;
        let header = signature::sign(secret.as_bytes(), Utc::now().timestamp(), &body);
        let headers = vec![(crate::adapters::payments::SIGNATURE_HEADER.to_owned(), header)];
        self.payment_callback(gateway.id, &headers, &body).await
    }
}
