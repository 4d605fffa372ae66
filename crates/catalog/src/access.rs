//! Who may see and change a product: the visibility rules every catalog object shares.

use souk_kernel::{Actor, UserId};

/// What access checks need to know about a product.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProductAccess {
    /// The selling account.
    pub seller_id: UserId,
    /// Published, approved by moderation and not hidden (`visibility` other than `none`).
    pub listed: bool,
    /// Soft-deleted.
    pub deleted: bool,
}

impl ProductAccess {
    /// True when the actor owns the product (directly or through its OAuth client).
    pub fn owned_by(&self, actor: &Actor) -> bool {
        actor.user_id() == Some(self.seller_id)
    }

    /// Public sees listed, undeleted products; owners see their own undeleted ones; admins all.
    pub fn visible_to(&self, actor: &Actor) -> bool {
        actor.is_admin() || (!self.deleted && (self.listed || self.owned_by(actor)))
    }

    /// Owners and admins change products; deleted ones only admins.
    pub fn writable_by(&self, actor: &Actor) -> bool {
        actor.is_admin() || (!self.deleted && self.owned_by(actor))
    }
}

#[cfg(test)]
mod tests {
    use souk_kernel::Role;

    use super::*;

    #[test]
    fn public_owner_and_admin_see_what_they_should() {
        let seller = UserId::new();
        let owner = Actor::User { id: seller, role: Role::Seller };
        let other = Actor::User { id: UserId::new(), role: Role::Seller };
        let admin = Actor::User { id: UserId::new(), role: Role::Admin };
        let draft = ProductAccess { seller_id: seller, listed: false, deleted: false };
        assert!(!draft.visible_to(&Actor::Anonymous));
        assert!(!draft.visible_to(&other));
        assert!(draft.visible_to(&owner) && draft.writable_by(&owner));
        assert!(!draft.writable_by(&other));
        let listed = ProductAccess { listed: true, ..draft };
        assert!(listed.visible_to(&Actor::Anonymous) && !listed.writable_by(&Actor::Anonymous));
        let deleted = ProductAccess { deleted: true, ..listed };
        assert!(!deleted.visible_to(&owner) && !deleted.writable_by(&owner));
        assert!(deleted.visible_to(&admin) && deleted.writable_by(&admin));
    }
}
