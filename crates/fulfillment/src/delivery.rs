//! Deliveries (parcels an order's lines are split into) and carrier tracking events.
//!
//! Rules decided here, where the contract leaves room:
//! - A delivery moves forward only: `unfulfilled -> fulfilled -> shipped -> delivered`, steps may
//!   be skipped; any delivery not yet delivered may be `cancelled`, which frees its units for
//!   another delivery. `delivered` and `cancelled` are final. Repeating the current status is
//!   allowed (to change the tracking details).
//! - A line's units across non-cancelled deliveries never exceed the line's quantity.
//! - The order counts as delivered when its deliveries cover every unit of every line and each
//!   non-cancelled delivery is delivered.

use chrono::{DateTime, Utc};
use souk_kernel::{DomainError, FieldErrors, UserId};
use uuid::Uuid;

souk_kernel::wire_enum!(
    /// Where a delivery stands.
    DeliveryStatus {
        /// Created; nothing packed yet.
        Unfulfilled = "unfulfilled",
        /// Packed and ready to hand to the carrier.
        Fulfilled = "fulfilled",
        /// With the carrier.
        Shipped = "shipped",
        /// Handed to the buyer.
        Delivered = "delivered",
        /// Will not be delivered; its units are free again.
        Cancelled = "cancelled",
    }
);

impl DeliveryStatus {
    /// The position on the forward path.
    fn rank(self) -> u8 {
        match self {
            DeliveryStatus::Unfulfilled => 0,
            DeliveryStatus::Fulfilled => 1,
            DeliveryStatus::Shipped => 2,
            DeliveryStatus::Delivered => 3,
            DeliveryStatus::Cancelled => 4,
        }
    }

    /// True for `delivered` and `cancelled`.
    pub fn is_final(self) -> bool {
        matches!(self, DeliveryStatus::Delivered | DeliveryStatus::Cancelled)
    }

    /// True when the goods have left: `shipped` or `delivered`.
    pub fn has_left(self) -> bool {
        matches!(self, DeliveryStatus::Shipped | DeliveryStatus::Delivered)
    }

    /// The statuses a delivery may move to from this one (itself included while not final).
    pub fn allowed(self) -> Vec<DeliveryStatus> {
        DeliveryStatus::ALL.iter().copied().filter(|&to| self.may_move(to)).collect()
    }

    /// Whether the delivery may move from this status to `to`.
    pub fn may_move(self, to: DeliveryStatus) -> bool {
        if self.is_final() {
            return false;
        }
        to == DeliveryStatus::Cancelled || to.rank() >= self.rank()
    }

    /// Moves to `to` or refuses (`409 INVALID_TRANSITION` with the allowed targets).
    pub fn move_to(self, to: DeliveryStatus) -> Result<DeliveryStatus, DomainError> {
        if self.may_move(to) {
            return Ok(to);
        }
        Err(DomainError::InvalidTransition {
            from: self.as_str().to_owned(),
            event: format!("move to {to}"),
            allowed: self.allowed().iter().map(|s| s.as_str().to_owned()).collect(),
        })
    }
}

/// Units of one order line in a delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeliveryLine {
    /// The order line.
    pub line_id: Uuid,
    /// Units in this delivery.
    pub quantity: i64,
}

/// A parcel of an order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    /// Id.
    pub id: Uuid,
    /// The order.
    pub order_id: Uuid,
    /// The order's seller.
    pub seller_id: UserId,
    /// Where it stands.
    pub status: DeliveryStatus,
    /// The carrier it is handed to.
    pub shipping_carrier_id: Option<Uuid>,
    /// The carrier's tracking number.
    pub tracking_number: Option<String>,
    /// Its lines.
    pub lines: Vec<DeliveryLine>,
    /// When it was shipped.
    pub shipped_at: Option<DateTime<Utc>>,
    /// When it was delivered.
    pub delivered_at: Option<DateTime<Utc>>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

/// Longest tracking number, in characters.
pub const MAX_TRACKING_NUMBER: usize = 100;

/// Trims a tracking number and checks it; an empty one clears it.
pub fn check_tracking_number(number: Option<String>, errors: &mut FieldErrors) -> Option<String> {
    let number = number.map(|n| n.trim().to_owned()).filter(|n| !n.is_empty());
    if number.as_ref().is_some_and(|n| n.chars().count() > MAX_TRACKING_NUMBER) {
        errors.add("tracking_number", format!("must be at most {MAX_TRACKING_NUMBER} characters"));
    }
    number
}

/// Units of `line_id` already in non-cancelled deliveries.
pub fn units_in_deliveries(deliveries: &[Delivery], line_id: Uuid) -> i64 {
    deliveries
        .iter()
        .filter(|d| d.status != DeliveryStatus::Cancelled)
        .flat_map(|d| d.lines.iter())
        .filter(|l| l.line_id == line_id)
        .map(|l| l.quantity)
        .sum()
}

/// Checks the requested lines of a new delivery against the order's lines (`(id, quantity)`) and
/// the deliveries it already has; an empty request takes every unit not yet in a delivery.
/// Returns the delivery's lines in the order's line order.
pub fn split_lines(
    order_lines: &[(Uuid, i64)],
    existing: &[Delivery],
    requested: &[DeliveryLine],
) -> Result<Vec<DeliveryLine>, DomainError> {
    let free = |line_id: Uuid, quantity: i64| quantity - units_in_deliveries(existing, line_id);
    if requested.is_empty() {
        let lines: Vec<DeliveryLine> = order_lines
            .iter()
            .map(|&(line_id, quantity)| DeliveryLine { line_id, quantity: free(line_id, quantity) })
            .filter(|l| l.quantity > 0)
            .collect();
        if lines.is_empty() {
            return Err(DomainError::Conflict("every unit of the order is already in a delivery".into()));
        }
        return Ok(lines);
    }
    let mut errors = FieldErrors::new();
    for (i, line) in requested.iter().enumerate() {
        let field = format!("lines[{i}]");
        if requested[..i].iter().any(|other| other.line_id == line.line_id) {
            errors.add(format!("{field}.line_id"), "appears twice");
            continue;
        }
        let Some(&(_, quantity)) = order_lines.iter().find(|(id, _)| *id == line.line_id) else {
            errors.add(format!("{field}.line_id"), "names no line of this order");
            continue;
        };
        let free = free(line.line_id, quantity);
        if line.quantity < 1 {
            errors.add(format!("{field}.quantity"), "must be at least 1");
        } else if line.quantity > free {
            errors.add(
                format!("{field}.quantity"),
                format!("must be at most {free}: the other units of the line are in other deliveries"),
            );
        }
    }
    errors.into_result()?;
    let mut lines = Vec::new();
    for &(line_id, _) in order_lines {
        if let Some(line) = requested.iter().find(|l| l.line_id == line_id) {
            lines.push(*line);
        }
    }
    Ok(lines)
}

/// What an order's deliveries say about its goods.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    /// Some delivery is shipped or delivered.
    pub any_left: bool,
    /// Every unit is in a non-cancelled delivery and each of those is delivered.
    pub all_delivered: bool,
}

/// Sums up an order's deliveries against its lines (`(id, quantity)`).
pub fn progress(order_lines: &[(Uuid, i64)], deliveries: &[Delivery]) -> Progress {
    let live: Vec<&Delivery> = deliveries.iter().filter(|d| d.status != DeliveryStatus::Cancelled).collect();
    let covered =
        order_lines.iter().all(|&(line_id, quantity)| units_in_deliveries(deliveries, line_id) >= quantity);
    Progress {
        any_left: live.iter().any(|d| d.status.has_left()),
        all_delivered: covered
            && !live.is_empty()
            && live.iter().all(|d| d.status == DeliveryStatus::Delivered),
    }
}

souk_kernel::wire_enum!(
    /// What a carrier reports about an order's parcel.
    TrackingStatus {
        /// The carrier has the shipment's details.
        InfoReceived = "info_received",
        /// Moving through the carrier's network.
        InTransit = "in_transit",
        /// On the vehicle for delivery today.
        OutForDelivery = "out_for_delivery",
        /// Nobody took it; the carrier tries again.
        FailedAttempt = "failed_attempt",
        /// Handed to the buyer: confirms the delivery of a shipped order.
        Delivered = "delivered",
        /// Held up (customs, damage, address problem).
        Exception = "exception",
        /// On its way back to the seller.
        ReturnedToSender = "returned_to_sender",
    }
);

/// Longest tracking description, in characters.
pub const MAX_DESCRIPTION: usize = 500;
/// Longest tracking location, in characters.
pub const MAX_LOCATION: usize = 200;

/// One carrier tracking event of an order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrackingEvent {
    /// Id.
    pub id: Uuid,
    /// The order.
    pub order_id: Uuid,
    /// What the carrier reports.
    pub status: TrackingStatus,
    /// The carrier's words.
    pub description: String,
    /// Where it happened.
    pub location: Option<String>,
    /// When it happened, as the carrier says.
    pub occurred_at: DateTime<Utc>,
    /// When Souk recorded it.
    pub created_at: DateTime<Utc>,
}

impl TrackingEvent {
    /// Trims the texts and checks them; `occurred_at` may not lie more than a day after `now`.
    pub fn check(&mut self, now: DateTime<Utc>, errors: &mut FieldErrors) {
        self.description = self.description.trim().to_owned();
        if self.description.is_empty() || self.description.chars().count() > MAX_DESCRIPTION {
            errors.add("description", format!("must be 1 to {MAX_DESCRIPTION} characters"));
        }
        self.location = self.location.take().map(|l| l.trim().to_owned()).filter(|l| !l.is_empty());
        if self.location.as_ref().is_some_and(|l| l.chars().count() > MAX_LOCATION) {
            errors.add("location", format!("must be at most {MAX_LOCATION} characters"));
        }
        if self.occurred_at > now + chrono::Duration::days(1) {
            errors.add("occurred_at", "must not lie in the future");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use DeliveryStatus::*;

    fn delivery(status: DeliveryStatus, lines: &[(Uuid, i64)]) -> Delivery {
        let now = Utc::now();
        Delivery {
            id: Uuid::now_v7(),
            order_id: Uuid::now_v7(),
            seller_id: UserId::new(),
            status,
            shipping_carrier_id: None,
            tracking_number: None,
            lines: lines.iter().map(|&(line_id, quantity)| DeliveryLine { line_id, quantity }).collect(),
            shipped_at: None,
            delivered_at: None,
            created_at: now,
            updated_at: now,
        }
    }

    #[test]
    fn deliveries_move_forward_or_are_cancelled() {
        assert!(
            Unfulfilled.may_move(Shipped) && Fulfilled.may_move(Fulfilled) && Shipped.may_move(Cancelled)
        );
        assert!(
            !Shipped.may_move(Fulfilled) && !Delivered.may_move(Cancelled) && !Cancelled.may_move(Shipped)
        );
        let Err(DomainError::InvalidTransition { allowed, .. }) = Shipped.move_to(Unfulfilled) else {
            panic!("backwards is refused");
        };
        assert_eq!(allowed, ["shipped", "delivered", "cancelled"]);
        assert_eq!(Unfulfilled.move_to(Delivered).unwrap(), Delivered);
    }

    #[test]
    fn a_split_takes_only_units_not_in_other_deliveries() {
        let (a, b) = (Uuid::now_v7(), Uuid::now_v7());
        let order = [(a, 3), (b, 1)];
        let existing = [delivery(Shipped, &[(a, 2)]), delivery(Cancelled, &[(a, 1), (b, 1)])];
        let rest = split_lines(&order, &existing, &[]).unwrap();
        assert_eq!(
            rest,
            [DeliveryLine { line_id: a, quantity: 1 }, DeliveryLine { line_id: b, quantity: 1 }]
        );
        let Err(DomainError::Validation(errors)) = split_lines(
            &order,
            &existing,
            &[
                DeliveryLine { line_id: a, quantity: 2 },
                DeliveryLine { line_id: Uuid::now_v7(), quantity: 1 },
                DeliveryLine { line_id: a, quantity: 1 },
                DeliveryLine { line_id: b, quantity: 0 },
            ],
        ) else {
            panic!("expected field errors");
        };
        for field in ["lines[0].quantity", "lines[1].line_id", "lines[2].line_id", "lines[3].quantity"] {
            assert!(errors.get(field).is_some(), "{field}");
        }
        let full = [delivery(Unfulfilled, &[(a, 3), (b, 1)])];
        assert!(matches!(split_lines(&order, &full, &[]), Err(DomainError::Conflict(_))));
    }

    #[test]
    fn an_order_is_delivered_when_every_unit_is_in_a_delivered_delivery() {
        let (a, b) = (Uuid::now_v7(), Uuid::now_v7());
        let order = [(a, 2), (b, 1)];
        let first = delivery(Delivered, &[(a, 2)]);
        let progress_of = |ds: &[Delivery]| progress(&order, ds);
        assert_eq!(
            progress_of(std::slice::from_ref(&first)),
            Progress { any_left: true, all_delivered: false }
        );
        let second = delivery(Fulfilled, &[(b, 1)]);
        assert!(!progress_of(&[first.clone(), second.clone()]).all_delivered);
        let cancelled = delivery(Cancelled, &[(b, 1)]);
        let done = delivery(Delivered, &[(b, 1)]);
        assert_eq!(
            progress_of(&[first, cancelled, done]),
            Progress { any_left: true, all_delivered: true },
            "cancelled deliveries do not count"
        );
        assert_eq!(progress_of(&[]), Progress { any_left: false, all_delivered: false });
        assert!(!progress_of(&[second]).any_left);
    }
}
