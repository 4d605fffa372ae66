//! Who is reading a list of product-bound objects (reviews, landing pages): the storage layer
//! turns this into the same predicate the objects' `visible_to` rules state one by one.

use souk_kernel::{Actor, UserId};

/// The rows of a product-bound list an actor may see.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    /// Admins: every row.
    Everything,
    /// Everyone else: public rows of products visible to them, plus their own rows.
    Member {
        /// The signed-in account, `None` for anonymous callers.
        user: Option<UserId>,
    },
}

impl Audience {
    /// The audience an actor belongs to.
    pub fn of(actor: &Actor) -> Audience {
        if actor.is_admin() { Audience::Everything } else { Audience::Member { user: actor.user_id() } }
    }
}

#[cfg(test)]
mod tests {
    use souk_kernel::Role;

    use super::*;

    #[test]
    fn admins_see_everything_others_are_members() {
        let id = UserId::new();
        assert_eq!(Audience::of(&Actor::User { id, role: Role::Admin }), Audience::Everything);
        assert_eq!(Audience::of(&Actor::User { id, role: Role::Buyer }), Audience::Member { user: Some(id) });
        assert_eq!(Audience::of(&Actor::Anonymous), Audience::Member { user: None });
    }
}
