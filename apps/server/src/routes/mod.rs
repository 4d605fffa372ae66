//! HTTP routes: each handler extracts input, calls one use case, and wraps the result.

pub mod auth;
pub mod categories;
pub mod collections;
pub mod coupons;
pub mod customers;
pub mod deliveries;
pub mod disputes;
pub mod escrow;
pub mod events;
pub mod external_orders;
pub mod files;
pub mod landing_pages;
pub mod ledger;
pub mod notifications;
pub mod oauth;
pub mod ops;
pub mod order_export;
pub mod order_metafields;
pub mod orders;
pub mod payments;
pub mod product_dto;
pub mod product_parts;
pub mod products;
pub mod profiles;
pub mod returns;
pub mod reviews;
pub mod sandbox;
pub mod sandbox_checkout;
pub mod shipping;
pub mod stores;
pub mod users;

use utoipa_actix_web::service_config::ServiceConfig;

/// Routes under `/api/v1`.
pub fn api(cfg: &mut ServiceConfig) {
    cfg.service(auth::register)
        .service(auth::resend_otp)
        .service(auth::verify_email)
        .service(auth::login)
        .service(auth::refresh)
        .service(auth::logout)
        .service(oauth::token)
        .service(oauth::create_client)
        .service(oauth::list_clients)
        .service(oauth::revoke_client)
        .service(oauth::permissions)
        .service(users::list_users)
        .service(users::current_user)
        .service(users::get_user)
        .service(users::update_user)
        .service(users::delete_user)
        .service(users::list_metafields)
        .service(users::put_metafield)
        .service(profiles::list_sellers)
        .service(profiles::list_buyers)
        .service(profiles::get_seller)
        .service(profiles::get_buyer)
        .service(profiles::update_seller)
        .service(profiles::update_buyer)
        .service(profiles::approve_seller)
        .service(profiles::reject_seller)
        .service(categories::list_categories)
        .service(categories::get_category)
        .service(categories::create_category)
        .service(categories::update_category)
        .service(categories::delete_category)
        .service(products::list_products)
        .service(products::list_rentals)
        .service(products::list_collection_products)
        .service(products::get_product)
        .service(products::create_product)
        .service(products::update_product)
        .service(products::delete_product)
        .service(products::moderate_product)
        .service(product_parts::list_variants)
        .service(product_parts::count_variants)
        .service(product_parts::create_variant)
        .service(product_parts::get_variant)
        .service(product_parts::update_variant)
        .service(product_parts::delete_variant)
        .service(product_parts::list_add_ons)
        .service(product_parts::count_add_ons)
        .service(product_parts::create_add_on)
        .service(product_parts::get_add_on)
        .service(product_parts::update_add_on)
        .service(product_parts::delete_add_on)
        .service(product_parts::get_trial_policy)
        .service(product_parts::create_trial_policy)
        .service(product_parts::update_trial_policy)
        .service(product_parts::disable_trial_policy)
        .service(product_parts::get_rental)
        .service(product_parts::put_rental)
        .service(product_parts::delete_rental)
        .service(product_parts::list_product_metafields)
        .service(product_parts::put_product_metafield)
        .service(files::upload_file)
        .service(files::list_files)
        .service(files::get_file)
        .service(files::download_file)
        .service(files::delete_file)
        .service(files::unlink_file)
        .service(collections::list_collections)
        .service(collections::get_collection)
        .service(collections::create_collection)
        .service(collections::update_collection)
        .service(collections::delete_collection)
        .service(collections::set_collection_products)
        .service(reviews::list_reviews)
        .service(reviews::get_review)
        .service(reviews::create_review)
        .service(reviews::update_review)
        .service(reviews::delete_review)
        .service(landing_pages::list_landing_pages)
        .service(landing_pages::get_landing_page)
        .service(landing_pages::create_landing_page)
        .service(landing_pages::update_landing_page)
        .service(landing_pages::delete_landing_page)
        .service(orders::checkout)
        .service(orders::list_orders)
        .service(external_orders::create_order)
        .service(order_export::export_orders)
        .service(orders::get_order)
        .service(orders::order_events)
        .service(order_metafields::list_order_metafields)
        .service(order_metafields::put_order_metafield)
        .service(orders::update_order)
        .service(orders::delete_order)
        .service(orders::change_order_status)
        .service(deliveries::list_deliveries)
        .service(deliveries::create_delivery)
        .service(deliveries::update_delivery)
        .service(deliveries::record_tracking)
        .service(deliveries::list_tracking)
        .service(deliveries::pickup_dispatched)
        .service(shipping::list_carriers)
        .service(shipping::create_carrier)
        .service(shipping::update_carrier)
        .service(shipping::list_rates)
        .service(shipping::get_rate)
        .service(shipping::create_rate)
        .service(shipping::update_rate)
        .service(shipping::delete_rate)
        .service(coupons::list_coupons)
        .service(coupons::redeem_coupon)
        .service(coupons::get_coupon)
        .service(coupons::create_coupon)
        .service(coupons::update_coupon)
        .service(coupons::delete_coupon)
        .service(customers::list_customers)
        .service(customers::get_customer)
        .service(customers::create_customer)
        .service(customers::update_customer)
        .service(payments::create_gateway)
        .service(payments::list_gateways)
        .service(payments::get_gateway)
        .service(payments::update_gateway)
        .service(payments::delete_gateway)
        .service(payments::initiate_payment)
        .service(payments::payment_webhook)
        .service(payments::payment_status)
        .service(payments::order_payment)
        .service(payments::refund_order)
        .service(sandbox_checkout::checkout_page)
        .service(sandbox_checkout::complete_checkout)
        .service(escrow::list_holds)
        .service(escrow::get_hold)
        .service(escrow::seller_balance)
        .service(escrow::list_payment_accounts)
        .service(escrow::create_payment_account)
        .service(escrow::update_payment_account)
        .service(escrow::delete_payment_account)
        .service(escrow::create_payout)
        .service(escrow::list_payouts)
        .service(ledger::list_ledger_accounts)
        .service(ledger::list_ledger_entries)
        .service(returns::create_return)
        .service(returns::scan_return)
        .service(returns::list_returns)
        .service(returns::return_of_order)
        .service(returns::get_return)
        .service(returns::return_qr_png)
        .service(returns::return_qr_svg)
        .service(disputes::list_disputes)
        .service(disputes::get_dispute)
        .service(disputes::resolve_dispute)
        .service(events::list_events)
        .service(events::get_event)
        .service(events::create_webhook)
        .service(events::list_webhooks)
        .service(events::get_webhook)
        .service(events::update_webhook)
        .service(events::delete_webhook)
        .service(events::list_webhook_deliveries)
        .service(events::retry_webhook_delivery)
        .service(notifications::send_notification)
        .service(stores::create_brand)
        .service(stores::list_brands)
        .service(stores::list_brand_stores)
        .service(stores::create_stores)
        .service(stores::nearest_stores)
        .service(stores::get_store)
        .service(stores::set_store_status)
        .service(stores::put_store_zones)
        .service(stores::get_store_zones)
        .service(stores::put_store_list)
        .service(stores::store_sync_report)
        .service(stores::transfer_order)
        .service(sandbox::read_clock)
        .service(sandbox::advance_clock)
        .service(sandbox::run_jobs);
}

/// Operational routes at the root.
pub fn ops(cfg: &mut ServiceConfig) {
    cfg.service(ops::health).service(ops::ready).service(ops::metrics).service(ops::openapi_json);
}
