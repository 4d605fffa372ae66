//! Use cases on the parts of a product: variants, add-ons, the trial policy, rental terms and
//! metafields. Reads follow the product's visibility; writes need its seller or an admin.

use sea_orm::DatabaseTransaction;
use souk_auth::permission::require;
use souk_catalog::terms::{RentalInput, TrialPolicyInput, apply_trial_policy, rental_terms};
use souk_catalog::variant::{AddOnInput, VariantContext, VariantInput, apply_add_on, merge_variants};
use souk_catalog::{
    AddOn, AddOnId, Product, ProductId, ProductRepository, RentalTerms, TrialPolicy, Variant, VariantId,
};
use souk_kernel::metafield::{Metafield, new_metafield};
use souk_kernel::{Actor, DomainError, FieldErrors, Money, Page, PageRequest};
use souk_storage::{SqlProducts, db_error};

use crate::Marketplace;
use crate::products::{prefixed, visible, writable};

impl Marketplace {
    async fn readable_product(&self, actor: &Actor, id: ProductId) -> Result<Product, DomainError> {
        visible(SqlProducts::new(&self.db.conn).find(id).await?, actor)
    }

    /// Opens a write transaction on a product the actor may change.
    async fn begin_product_change(
        &self,
        actor: &Actor,
        id: ProductId,
    ) -> Result<(DatabaseTransaction, Product), DomainError> {
        require(actor, "product", "update")?;
        let tx = self.db.begin_write().await.map_err(db_error)?;
        let product = writable(SqlProducts::new(&tx).find_for_update(id).await?, actor)?;
        Ok((tx, product))
    }

    /// Saves a changed product and commits.
    async fn finish_product_change(
        &self,
        tx: DatabaseTransaction,
        mut product: Product,
    ) -> Result<(), DomainError> {
        product.check_reservations_covered()?;
        product.updated_at = self.clock().now();
        SqlProducts::new(&tx).update(&product).await?;
        tx.commit().await.map_err(db_error)
    }

    async fn product_of_variant(&self, id: VariantId) -> Result<ProductId, DomainError> {
        SqlProducts::new(&self.db.conn)
            .product_of_variant(id)
            .await?
            .ok_or(DomainError::NotFound { resource: "variant" })
    }

    async fn product_of_add_on(&self, id: AddOnId) -> Result<ProductId, DomainError> {
        SqlProducts::new(&self.db.conn)
            .product_of_add_on(id)
            .await?
            .ok_or(DomainError::NotFound { resource: "add-on" })
    }

    /// A page of a product's variants.
    pub async fn list_variants(
        &self,
        actor: &Actor,
        id: ProductId,
        page: PageRequest,
    ) -> Result<Page<Variant>, DomainError> {
        let product = self.readable_product(actor, id).await?;
        Ok(slice(&product.variants, page))
    }

    /// How many variants a product has.
    pub async fn count_variants(&self, actor: &Actor, id: ProductId) -> Result<u64, DomainError> {
        Ok(self.readable_product(actor, id).await?.variants.len() as u64)
    }

    /// One variant, readable when its product is.
    pub async fn get_variant(&self, actor: &Actor, id: VariantId) -> Result<Variant, DomainError> {
        let product = self.readable_product(actor, self.product_of_variant(id).await?).await?;
        product.variants.into_iter().find(|v| v.id == id).ok_or(DomainError::NotFound { resource: "variant" })
    }

    /// Adds a variant (or, with `input.id`, changes one) and returns it; a SKU already used by
    /// the product or another of its variants is a `Conflict`, like one used by another product
    /// Adds a variant to a product; Souk chooses its id, so a body naming one is refused.
    pub async fn create_variant(
        &self,
        actor: &Actor,
        product_id: ProductId,
        input: VariantInput,
    ) -> Result<Variant, DomainError> {
        if input.id.is_some() {
            return Err(DomainError::invalid(
                "id",
                "is chosen by Souk; PATCH /variants/{id} changes a variant",
            ));
        }
        self.save_variant(actor, product_id, input).await
    }

    /// of the seller.
    async fn save_variant(
        &self,
        actor: &Actor,
        product_id: ProductId,
        input: VariantInput,
    ) -> Result<Variant, DomainError> {
        let (tx, mut product) = self.begin_product_change(actor, product_id).await?;
        let target = input.id;
        if let Some(Some(sku)) = &input.sku {
            let sku = sku.trim();
            let taken = product.sku.as_deref() == Some(sku)
                || product.variants.iter().any(|v| Some(v.id) != target && v.sku.as_deref() == Some(sku));
            if taken {
                return Err(DomainError::Conflict(format!("the SKU {sku:?} is taken")));
            }
        }
        let mut errors = FieldErrors::new();
        let context = VariantContext {
            product_id,
            currency: product.currency(),
            default_price: product.price,
            options: &product.options,
            now: self.clock().now(),
        };
        let merged = merge_variants(&product.variants, vec![input], context, &mut errors);
        let saved = match target {
            Some(id) => merged.iter().find(|v| v.id == id).cloned(),
            None => merged.last().cloned(),
        };
        if let Some(file) = saved.as_ref().and_then(|v| v.image) {
            self.check_variant_image(&tx, actor, &product, file, &mut errors).await?;
        }
        errors.into_result().map_err(strip_index)?;
        product.variants = merged;
        self.finish_product_change(tx, product).await?;
        saved.ok_or(DomainError::NotFound { resource: "variant" })
    }

    /// Changes a variant found by its own id.
    pub async fn update_variant(
        &self,
        actor: &Actor,
        id: VariantId,
        mut input: VariantInput,
    ) -> Result<Variant, DomainError> {
        let product = self.product_of_variant(id).await?;
        input.id = Some(id);
        self.save_variant(actor, product, input).await
    }

    /// Removes a variant (open orders keep their snapshot).
    pub async fn delete_variant(&self, actor: &Actor, id: VariantId) -> Result<(), DomainError> {
        let (tx, mut product) = self.begin_product_change(actor, self.product_of_variant(id).await?).await?;
        product.variants.retain(|v| v.id != id);
        self.finish_product_change(tx, product).await
    }

    async fn check_variant_image(
        &self,
        tx: &DatabaseTransaction,
        actor: &Actor,
        product: &Product,
        file: uuid::Uuid,
        errors: &mut FieldErrors,
    ) -> Result<(), DomainError> {
        let mut found = FieldErrors::new();
        self.check_image_file(tx, actor, product.seller_id, "image", file, &mut found).await?;
        errors.extend(prefixed("variants[0]", found));
        Ok(())
    }

    /// A page of a product's add-ons.
    pub async fn list_add_ons(
        &self,
        actor: &Actor,
        id: ProductId,
        page: PageRequest,
    ) -> Result<Page<AddOn>, DomainError> {
        let product = self.readable_product(actor, id).await?;
        Ok(slice(&product.add_ons, page))
    }

    /// How many add-ons a product has.
    pub async fn count_add_ons(&self, actor: &Actor, id: ProductId) -> Result<u64, DomainError> {
        Ok(self.readable_product(actor, id).await?.add_ons.len() as u64)
    }

    /// One add-on, readable when its product is.
    pub async fn get_add_on(&self, actor: &Actor, id: AddOnId) -> Result<AddOn, DomainError> {
        let product = self.readable_product(actor, self.product_of_add_on(id).await?).await?;
        product.add_ons.into_iter().find(|a| a.id == id).ok_or(DomainError::NotFound { resource: "add-on" })
    }

    /// Adds an add-on to a product.
    pub async fn create_add_on(
        &self,
        actor: &Actor,
        product_id: ProductId,
        input: AddOnInput,
    ) -> Result<AddOn, DomainError> {
        let (tx, mut product) = self.begin_product_change(actor, product_id).await?;
        let now = self.clock().now();
        let mut add_on = AddOn {
            id: AddOnId::new(),
            product_id,
            title: String::new(),
            description: None,
            price: Money::zero(product.currency()),
            created_at: now,
            updated_at: now,
        };
        apply_add_on(&mut add_on, input, true)?;
        if product.add_ons.len() >= 100 {
            return Err(DomainError::Conflict("a product has at most 100 add-ons".into()));
        }
        product.add_ons.push(add_on.clone());
        self.finish_product_change(tx, product).await?;
        Ok(add_on)
    }

    /// Changes an add-on.
    pub async fn update_add_on(
        &self,
        actor: &Actor,
        id: AddOnId,
        input: AddOnInput,
    ) -> Result<AddOn, DomainError> {
        let (tx, mut product) = self.begin_product_change(actor, self.product_of_add_on(id).await?).await?;
        let now = self.clock().now();
        let add_on = product
            .add_ons
            .iter_mut()
            .find(|a| a.id == id)
            .ok_or(DomainError::NotFound { resource: "add-on" })?;
        apply_add_on(add_on, input, false)?;
        add_on.updated_at = now;
        let saved = add_on.clone();
        self.finish_product_change(tx, product).await?;
        Ok(saved)
    }

    /// Removes an add-on.
    pub async fn delete_add_on(&self, actor: &Actor, id: AddOnId) -> Result<(), DomainError> {
        let (tx, mut product) = self.begin_product_change(actor, self.product_of_add_on(id).await?).await?;
        product.add_ons.retain(|a| a.id != id);
        self.finish_product_change(tx, product).await
    }

    /// A product's enabled trial policy (public when the product is).
    pub async fn get_trial_policy(&self, actor: &Actor, id: ProductId) -> Result<TrialPolicy, DomainError> {
        let product = self.readable_product(actor, id).await?;
        product.trial_policy.filter(|t| t.enabled).ok_or(DomainError::NotFound { resource: "trial policy" })
    }

    /// Sets up a trial policy; `Conflict` when one is already enabled.
    pub async fn create_trial_policy(
        &self,
        actor: &Actor,
        id: ProductId,
        input: TrialPolicyInput,
    ) -> Result<TrialPolicy, DomainError> {
        let (tx, mut product) = self.begin_product_change(actor, id).await?;
        if product.trial_policy.as_ref().is_some_and(|t| t.enabled) {
            return Err(DomainError::Conflict(
                "the product already has a trial policy; PATCH it instead".into(),
            ));
        }
        let policy = apply_trial_policy(None, input, product.currency(), self.clock().now())?;
        product.trial_policy = Some(policy.clone());
        self.finish_product_change(tx, product).await?;
        Ok(policy)
    }

    /// Changes the enabled trial policy.
    pub async fn update_trial_policy(
        &self,
        actor: &Actor,
        id: ProductId,
        input: TrialPolicyInput,
    ) -> Result<TrialPolicy, DomainError> {
        let (tx, mut product) = self.begin_product_change(actor, id).await?;
        let existing = product
            .trial_policy
            .clone()
            .filter(|t| t.enabled)
            .ok_or(DomainError::NotFound { resource: "trial policy" })?;
        let policy = apply_trial_policy(Some(&existing), input, product.currency(), self.clock().now())?;
        product.trial_policy = Some(policy.clone());
        self.finish_product_change(tx, product).await?;
        Ok(policy)
    }

    /// Disables the trial policy (orders already placed keep the terms they were sold with).
    pub async fn disable_trial_policy(&self, actor: &Actor, id: ProductId) -> Result<(), DomainError> {
        let (tx, mut product) = self.begin_product_change(actor, id).await?;
        let now = self.clock().now();
        match product.trial_policy.as_mut().filter(|t| t.enabled) {
            Some(policy) => {
                policy.enabled = false;
                policy.updated_at = now;
            }
            None => return Err(DomainError::NotFound { resource: "trial policy" }),
        }
        self.finish_product_change(tx, product).await
    }

    /// A product's rental terms (public when the product is).
    pub async fn get_rental(&self, actor: &Actor, id: ProductId) -> Result<RentalTerms, DomainError> {
        let product = self.readable_product(actor, id).await?;
        product.rental.ok_or(DomainError::NotFound { resource: "rental terms" })
    }

    /// Sets (creates or replaces) a product's rental terms; `true` when they are new.
    pub async fn put_rental(
        &self,
        actor: &Actor,
        id: ProductId,
        input: RentalInput,
    ) -> Result<(RentalTerms, bool), DomainError> {
        let (tx, mut product) = self.begin_product_change(actor, id).await?;
        let created = product.rental.is_none();
        let terms = rental_terms(product.rental.as_ref(), input, product.currency(), self.clock().now())?;
        product.rental = Some(terms.clone());
        self.finish_product_change(tx, product).await?;
        Ok((terms, created))
    }

    /// Removes a product's rental terms.
    pub async fn delete_rental(&self, actor: &Actor, id: ProductId) -> Result<(), DomainError> {
        let (tx, mut product) = self.begin_product_change(actor, id).await?;
        if product.rental.take().is_none() {
            return Err(DomainError::NotFound { resource: "rental terms" });
        }
        self.finish_product_change(tx, product).await
    }

    /// A product's metafields (owner or admin).
    pub async fn list_product_metafields(
        &self,
        actor: &Actor,
        id: ProductId,
    ) -> Result<Vec<Metafield>, DomainError> {
        require(actor, "product", "update")?;
        let products = SqlProducts::new(&self.db.conn);
        let product = writable(products.find(id).await?, actor)?;
        products.metafields(product.id).await
    }

    /// Inserts or replaces a product metafield by namespace and key (owner or admin).
    pub async fn put_product_metafield(
        &self,
        actor: &Actor,
        id: ProductId,
        namespace: &str,
        key: &str,
        value: serde_json::Value,
    ) -> Result<Metafield, DomainError> {
        require(actor, "product", "update")?;
        let metafield = new_metafield(id.as_uuid(), namespace, key, value, self.clock().now())?;
        let tx = self.db.begin_write().await.map_err(db_error)?;
        let products = SqlProducts::new(&tx);
        writable(products.find_for_update(id).await?, actor)?;
        let stored = products.upsert_metafield(&metafield).await?;
        tx.commit().await.map_err(db_error)?;
        Ok(stored)
    }
}

/// One page of a short in-memory list.
fn slice<T: Clone>(items: &[T], page: PageRequest) -> Page<T> {
    let start = usize::try_from(page.offset()).unwrap_or(usize::MAX);
    let chunk = items.iter().skip(start).take(page.per_page() as usize).cloned().collect();
    Page { items: chunk, total: items.len() as u64, request: page }
}

/// Field errors of a single-variant request name the variant's fields directly (`price`, not
/// `variants[0].price`): only one variant changes, so every clash (values or SKU) is its own,
/// whichever position in the merged list it was found at.
fn strip_index(error: DomainError) -> DomainError {
    match error {
        DomainError::Validation(errors) => {
            let mut named = FieldErrors::new();
            for (field, messages) in errors.iter() {
                let field = variant_field(field);
                for message in messages {
                    named.add(field, message.clone());
                }
            }
            DomainError::Validation(named)
        }
        other => other,
    }
}

/// `variants[3].sku` is `sku`; `variants[3]` alone is `values`; other names stay.
fn variant_field(field: &str) -> &str {
    let Some(rest) = field.strip_prefix("variants[") else { return field };
    let Some((index, tail)) = rest.split_once(']') else { return field };
    if index.is_empty() || !index.bytes().all(|b| b.is_ascii_digit()) {
        return field;
    }
    match tail.strip_prefix('.') {
        Some(inner) if !inner.is_empty() => inner,
        _ if tail.is_empty() => "values",
        _ => field,
    }
}

#[cfg(test)]
mod tests {
    use super::variant_field;

    #[test]
    fn single_variant_errors_drop_the_list_index() {
        assert_eq!(variant_field("variants[0].price"), "price");
        assert_eq!(variant_field("variants[12].values"), "values");
        assert_eq!(variant_field("variants[4]"), "values");
        assert_eq!(variant_field("variants"), "variants");
        assert_eq!(variant_field("variants[x].sku"), "variants[x].sku");
        assert_eq!(variant_field("title"), "title");
    }
}
