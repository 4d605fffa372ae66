//! Customer use cases: sellers keep their customer records (admins any seller's), reads carry the
//! aggregates of the customer's orders, and checkout records the buyer as a customer of each
//! seller it buys from.

use sea_orm::{ConnectionTrait, DatabaseTransaction};
use souk_auth::UserRepository;
use souk_auth::permission::require;
use souk_kernel::{Actor, DomainError, Page, PageRequest, Role, UserId};
use souk_orders::customer::{
    Customer, CustomerId, CustomerInput, CustomerPatch, CustomerStats, check_customer, from_checkout,
};
use souk_orders::order::Address;
use souk_storage::customers::{
    CustomerFilter, customer_stats, find_customer, insert_customer, list_customers, update_customer,
    upsert_checkout_customer,
};
use souk_storage::{SqlUsers, db_error};

use crate::Marketplace;

/// A customer with the aggregates of its orders.
#[derive(Debug, Clone)]
pub struct CustomerView {
    /// The record.
    pub customer: Customer,
    /// Paid orders, their totals per currency, the newest order.
    pub stats: CustomerStats,
}

fn not_found() -> DomainError {
    DomainError::NotFound { resource: "customer" }
}

/// A customer's seller or an admin sees it; for everyone else it does not exist.
fn visible(customer: Option<Customer>, actor: &Actor) -> Result<Customer, DomainError> {
    match customer {
        Some(c) if actor.is_admin() || actor.user_id() == Some(c.seller_id) => Ok(c),
        _ => Err(not_found()),
    }
}

async fn with_stats(conn: &impl ConnectionTrait, customer: Customer) -> Result<CustomerView, DomainError> {
    let stats = customer_stats(conn, &[customer.id]).await?.remove(&customer.id).unwrap_or_default();
    Ok(CustomerView { customer, stats })
}

/// Whose customers an actor works with: a seller's own, every seller's for admins.
fn customer_scope(actor: &Actor) -> Result<Option<UserId>, DomainError> {
    let me = actor.user_id().ok_or(DomainError::Unauthenticated)?;
    match actor.role() {
        Some(Role::Admin) => Ok(None),
        Some(Role::Seller) => Ok(Some(me)),
        _ => Err(DomainError::Forbidden("only sellers and admins keep customers".into())),
    }
}

impl Marketplace {
    /// A page of customers with their aggregates: a seller's own, all for admins.
    pub async fn list_customers(
        &self,
        actor: &Actor,
        filter: CustomerFilter,
        page: PageRequest,
    ) -> Result<Page<CustomerView>, DomainError> {
        require(actor, "customer", "view")?;
        let scope = customer_scope(actor)?;
        let page = list_customers(&self.db.conn, scope, &filter, page).await?;
        let ids: Vec<CustomerId> = page.items.iter().map(|c| c.id).collect();
        let mut stats = customer_stats(&self.db.conn, &ids).await?;
        Ok(page.map(|customer| {
            let stats = stats.remove(&customer.id).unwrap_or_default();
            CustomerView { customer, stats }
        }))
    }

    /// One customer with its aggregates, for its seller or an admin (`404` for everyone else).
    pub async fn get_customer(&self, actor: &Actor, id: CustomerId) -> Result<CustomerView, DomainError> {
        require(actor, "customer", "view")?;
        let customer = visible(find_customer(&self.db.conn, id, false).await?, actor)?;
        with_stats(&self.db.conn, customer).await
    }

    /// Records a customer for the acting seller (admins name `seller_id`); an e-mail the seller
    /// already has (ignoring case) is `409`.
    pub async fn create_customer(
        &self,
        actor: &Actor,
        seller_id: Option<UserId>,
        input: CustomerInput,
    ) -> Result<CustomerView, DomainError> {
        require(actor, "customer", "create")?;
        let me = actor.user_id().ok_or(DomainError::Unauthenticated)?;
        let seller = match (actor.role(), seller_id) {
            (Some(Role::Admin), Some(seller)) => seller,
            (Some(Role::Admin), None) => {
                return Err(DomainError::invalid(
                    "seller_id",
                    "is required when an admin creates a customer",
                ));
            }
            (Some(Role::Seller), Some(seller)) if seller != me => {
                return Err(DomainError::Forbidden("only admins may act for another seller".into()));
            }
            (Some(Role::Seller), _) => me,
            _ => return Err(DomainError::Forbidden("only sellers and admins keep customers".into())),
        };
        let fields = check_customer(input)?;
        let tx = self.db.begin_write().await.map_err(db_error)?;
        if seller != me {
            let user = SqlUsers::new(&tx).find(seller).await?;
            if user.is_none_or(|u| u.role != Role::Seller) {
                return Err(DomainError::invalid("seller_id", "names no seller account"));
            }
        }
        let now = self.clock().now();
        let customer = Customer {
            id: CustomerId::new(),
            seller_id: seller,
            user_id: None,
            fields,
            created_at: now,
            updated_at: now,
        };
        insert_customer(&tx, &customer).await?;
        tx.commit().await.map_err(db_error)?;
        Ok(CustomerView { customer, stats: CustomerStats::default() })
    }

    /// Changes a customer's fields (its seller or an admin); the merged fields are checked whole.
    pub async fn update_customer(
        &self,
        actor: &Actor,
        id: CustomerId,
        patch: CustomerPatch,
    ) -> Result<CustomerView, DomainError> {
        if actor.role().is_none() {
            return Err(DomainError::Unauthenticated);
        }
        let tx = self.db.begin_write().await.map_err(db_error)?;
        let mut customer = visible(find_customer(&tx, id, true).await?, actor)?;
        require(actor, "customer", "update")?;
        customer.fields = check_customer(patch.apply(customer.to_input()))?;
        customer.updated_at = self.clock().now();
        update_customer(&tx, &customer).await?;
        let view = with_stats(&tx, customer).await?;
        tx.commit().await.map_err(db_error)?;
        Ok(view)
    }

    /// The seller's customer record of a buyer at checkout (by the buyer's e-mail; name, phone
    /// and address from the shipping address, filling only what the record lacks).
    pub(crate) async fn checkout_customer(
        &self,
        tx: &DatabaseTransaction,
        seller: UserId,
        buyer: UserId,
        shipping: &Address,
    ) -> Result<CustomerId, DomainError> {
        let email = SqlUsers::new(tx)
            .find(buyer)
            .await?
            .map(|u| u.email)
            .ok_or_else(|| DomainError::unexpected("the buying account vanished during checkout"))?;
        upsert_checkout_customer(
            tx,
            seller,
            Some(buyer),
            &from_checkout(&email, shipping),
            self.clock().now(),
        )
        .await
    }
}
