//! Notifications: the e-mails Souk sends about orders and returns, rendered from plain-text
//! templates. State changes queue them in their own transaction (new order when it is paid,
//! the buyer's order status changes, return updates) and the job loop sends them; admins and
//! sellers can also send one now with `POST /notifications`.

use chrono::Utc;
use souk_auth::UserRepository;
use souk_fulfillment::returns::ReturnId;
use souk_kernel::{Actor, DomainError, Role};
use souk_orders::order::{Order, OrderId};
use souk_orders::status::OrderStatus;
use souk_storage::notifications::{Notification, claim_due, find, queue, record};
use souk_storage::orders::find_order;
use souk_storage::returns::find_return;
use souk_storage::{SqlUsers, db_error};
use uuid::Uuid;

use crate::Marketplace;
use crate::adapters::mail::Mail;

souk_kernel::wire_enum!(
    /// Which e-mail to send.
    NotificationKind {
        /// To the buyer: the order is confirmed (paid).
        NewOrderCustomer = "new_order_customer",
        /// To the seller: a paid order to fulfil.
        NewOrderSupplier = "new_order_supplier",
        /// To the buyer: the order's status changed.
        OrderStatus = "order_status",
        /// To the buyer and the seller: a return changed.
        ReturnUpdate = "return_update",
    }
);

/// The statuses a buyer hears about by e-mail.
const BUYER_STATUSES: [OrderStatus; 10] = [
    OrderStatus::Accepted,
    OrderStatus::Declined,
    OrderStatus::Shipped,
    OrderStatus::Delivered,
    OrderStatus::TrialActive,
    OrderStatus::Canceled,
    OrderStatus::Completed,
    OrderStatus::Returned,
    OrderStatus::Disputed,
    OrderStatus::Failed,
];

/// Fills `{name}` placeholders of a template.
pub fn render(template: &str, values: &[(&str, String)]) -> String {
    let mut out = template.to_owned();
    for (name, value) in values {
        out = out.replace(&format!("{{{name}}}"), value);
    }
    out
}

const NEW_ORDER_CUSTOMER: (&str, &str) = (
    "Your order {number} is confirmed",
    "Hello {buyer},\n\nthank you for your order {number}. We hold your payment of {total} {currency} safely \
     until the order is complete.\n\n{lines}\n\nYou can follow it in your account.\n\nSouk\n",
);
const NEW_ORDER_SUPPLIER: (&str, &str) = (
    "New order {number}",
    "Hello {seller},\n\nyou have a new paid order {number} of {total} {currency}.\n\n{lines}\n\n\
     Ship to: {address}\n\nPlease accept or decline it.\n\nSouk\n",
);
const ORDER_STATUS: (&str, &str) =
    ("Order {number}: {status}", "Hello {buyer},\n\nyour order {number} is now {status}.{trial}\n\nSouk\n");
const RETURN_UPDATE: (&str, &str) = (
    "Return for order {number}: {status}",
    "Hello,\n\nthe return for order {number} is now {status}.{money}\n\nSouk\n",
);

fn lines_of(order: &Order) -> String {
    order
        .lines
        .iter()
        .map(|l| {
            format!(
                "- {} x {}{}: {}",
                l.quantity,
                l.title,
                l.variant_title.as_ref().map(|v| format!(" ({v})")).unwrap_or_default(),
                l.line_total
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Queues the e-mails an order's move to `status` owes, in the caller's transaction.
pub(crate) async fn queue_for_order(
    conn: &impl sea_orm::ConnectionTrait,
    order: &Order,
    status: OrderStatus,
    now: chrono::DateTime<Utc>,
) -> Result<(), DomainError> {
    let id = order.id.as_uuid();
    if status == OrderStatus::New {
        queue(conn, NotificationKind::NewOrderCustomer.as_str(), id, None, now, now).await?;
        queue(conn, NotificationKind::NewOrderSupplier.as_str(), id, None, now, now).await?;
    } else if BUYER_STATUSES.contains(&status) {
        queue(conn, NotificationKind::OrderStatus.as_str(), id, Some(status.as_str()), now, now).await?;
    }
    Ok(())
}

/// Queues a return update for the buyer and the seller, in the caller's transaction.
pub async fn queue_for_return(
    conn: &impl sea_orm::ConnectionTrait,
    return_id: Uuid,
    status: &str,
    now: chrono::DateTime<Utc>,
) -> Result<(), DomainError> {
    queue(conn, NotificationKind::ReturnUpdate.as_str(), return_id, Some(status), now, now).await.map(|_| ())
}

impl Marketplace {
    /// Sends an order or return e-mail now (admin; a seller for its own orders and returns).
    pub async fn send_notification(
        &self,
        actor: &Actor,
        kind: NotificationKind,
        object_id: Uuid,
    ) -> Result<Notification, DomainError> {
        let me = actor.user_id().ok_or(DomainError::Unauthenticated)?;
        if !matches!(actor.role(), Some(Role::Admin | Role::Seller)) {
            return Err(DomainError::Forbidden("admins and sellers send notifications".into()));
        }
        souk_auth::permission::require(actor, "order", "update")?;
        let seller = match kind {
            NotificationKind::ReturnUpdate => find_return(&self.db.conn, ReturnId(object_id), false)
                .await?
                .map(|r| r.seller_id)
                .ok_or(DomainError::NotFound { resource: "return" })?,
            _ => find_order(&self.db.conn, OrderId(object_id), false)
                .await?
                .map(|o| o.seller_id)
                .ok_or(DomainError::NotFound { resource: "order" })?,
        };
        if !actor.is_admin() && seller != me {
            let resource = if kind == NotificationKind::ReturnUpdate { "return" } else { "order" };
            return Err(DomainError::NotFound { resource });
        }
        let now = self.clock().now();
        let tx = self.db.begin_write().await.map_err(db_error)?;
        let id = queue(&tx, kind.as_str(), object_id, None, now, now + chrono::Duration::seconds(60)).await?;
        tx.commit().await.map_err(db_error)?;
        let mut notification =
            find(&self.db.conn, id).await?.ok_or(DomainError::NotFound { resource: "notification" })?;
        notification.attempts += 1;
        if !self.deliver_notification(notification).await? {
            let stored = find(&self.db.conn, id).await?;
            let reason = stored.and_then(|n| n.last_error).unwrap_or_else(|| "the mail was not sent".into());
            return Err(DomainError::Unavailable(format!("{reason}; it will be retried")));
        }
        find(&self.db.conn, id).await?.ok_or(DomainError::NotFound { resource: "notification" })
    }

    /// Sends due notifications, claimed in batches and mailed outside any transaction;
    /// returns how many it sent.
    pub async fn send_notifications(&self) -> Result<u64, DomainError> {
        let mut sent = 0;
        loop {
            let now = self.clock().now();
            let tx = self.db.begin_write().await.map_err(db_error)?;
            let batch = claim_due(&tx, now, now + chrono::Duration::seconds(120), 5).await?;
            tx.commit().await.map_err(db_error)?;
            if batch.is_empty() {
                return Ok(sent);
            }
            for notification in batch {
                if self.deliver_notification(notification).await? {
                    sent += 1;
                }
            }
        }
    }

    /// Sends one claimed notification and records the outcome; true when it went out.
    async fn deliver_notification(&self, notification: Notification) -> Result<bool, DomainError> {
        let (status, recipients, error) = self.render_and_send(&notification).await;
        let now = self.clock().now();
        let next = now + chrono::Duration::minutes(5);
        let tx = self.db.begin_write().await.map_err(db_error)?;
        record(&tx, notification.id, status, &recipients, error, next, now).await?;
        tx.commit().await.map_err(db_error)?;
        Ok(status == "sent")
    }

    /// Renders a notification and sends it; `(status, recipients, error)`. A notification
    /// whose object is gone fails for good; a mailer failure is retried three times.
    async fn render_and_send(
        &self,
        notification: &Notification,
    ) -> (&'static str, Vec<String>, Option<String>) {
        let mails = match self.compose(notification).await {
            Ok(mails) => mails,
            Err(error) => return ("failed", Vec::new(), Some(error.to_string())),
        };
        let mut recipients = Vec::new();
        for mail in mails {
            if let Err(error) = self.mailer.send(&mail).await {
                let status = if notification.attempts >= 3 { "failed" } else { "pending" };
                return (status, recipients, Some(format!("the mail to {} was not sent: {error}", mail.to)));
            }
            recipients.push(mail.to);
        }
        ("sent", recipients, None)
    }

    async fn compose(&self, notification: &Notification) -> Result<Vec<Mail>, DomainError> {
        let kind: NotificationKind = notification.kind.parse().map_err(DomainError::unexpected)?;
        let order_id = match kind {
            NotificationKind::ReturnUpdate => {
                find_return(&self.db.conn, ReturnId(notification.object_id), false)
                    .await?
                    .ok_or(DomainError::NotFound { resource: "return" })?
                    .order_id
            }
            _ => notification.object_id,
        };
        let order = find_order(&self.db.conn, OrderId(order_id), false)
            .await?
            .ok_or(DomainError::NotFound { resource: "order" })?;
        let users = SqlUsers::new(&self.db.conn);
        let missing = || DomainError::NotFound { resource: "user" };
        let buyer = users.find(order.buyer_id).await?.ok_or_else(missing)?;
        let seller = users.find(order.seller_id).await?.ok_or_else(missing)?;
        let base = vec![
            ("number", order.number.clone()),
            ("total", order.totals.total.amount_string()),
            ("currency", order.totals.total.currency().code().to_owned()),
            (
                "status",
                notification
                    .object_status
                    .clone()
                    .unwrap_or_else(|| order.status.as_str().to_owned())
                    .replace('_', " "),
            ),
            ("lines", lines_of(&order)),
            ("buyer", buyer.first_name.clone()),
            ("seller", seller.first_name.clone()),
            (
                "address",
                format!(
                    "{}, {}, {} {}",
                    order.shipping_address.name,
                    order.shipping_address.line1,
                    order.shipping_address.city,
                    order.shipping_address.country
                ),
            ),
            (
                "trial",
                order
                    .trial_ends_at
                    .filter(|_| {
                        notification.object_status.as_deref() == Some(OrderStatus::TrialActive.as_str())
                    })
                    .map(|t| format!(" Your trial runs until {}.", t.format("%Y-%m-%d %H:%M UTC")))
                    .unwrap_or_default(),
            ),
        ];
        let mail = |to: &str, (subject, body): (&str, &str), values: &[(&str, String)]| Mail {
            to: to.to_owned(),
            subject: render(subject, values),
            body: render(body, values),
        };
        Ok(match kind {
            NotificationKind::NewOrderCustomer => vec![mail(&buyer.email, NEW_ORDER_CUSTOMER, &base)],
            NotificationKind::NewOrderSupplier => vec![mail(&seller.email, NEW_ORDER_SUPPLIER, &base)],
            NotificationKind::OrderStatus => vec![mail(&buyer.email, ORDER_STATUS, &base)],
            NotificationKind::ReturnUpdate => {
                let ret = find_return(&self.db.conn, ReturnId(notification.object_id), false)
                    .await?
                    .ok_or(DomainError::NotFound { resource: "return" })?;
                let currency = order.totals.total.currency();
                let money = match (ret.refund_amount, ret.penalty_amount) {
                    (Some(refund), penalty) => format!(
                        " Refunded: {}; trial penalty: {}.",
                        souk_kernel::Money::from_minor(refund, currency),
                        souk_kernel::Money::from_minor(penalty.unwrap_or(0), currency)
                    ),
                    _ => String::new(),
                };
                let mut values = base.clone();
                values.push(("money", money));
                values.retain(|(k, _)| *k != "status");
                let status =
                    notification.object_status.clone().unwrap_or_else(|| ret.status.as_str().to_owned());
                values.push(("status", status.replace('_', " ")));
                vec![mail(&buyer.email, RETURN_UPDATE, &values), mail(&seller.email, RETURN_UPDATE, &values)]
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_fill_every_placeholder() {
        let text = render(
            ORDER_STATUS.1,
            &[
                ("buyer", "Amina".into()),
                ("number", "SK-000001".into()),
                ("status", "shipped".into()),
                ("trial", String::new()),
            ],
        );
        assert_eq!(text, "Hello Amina,\n\nyour order SK-000001 is now shipped.\n\nSouk\n");
        assert!(!text.contains('{'));
    }
}
